"""From a LogEntry to the people it concerns ("What users are told", workflow.md).

`EVENTS` maps (model, transition or action) to a rule: the category, the title, and the
audiences — the enterprise's users, the body's officers or decision makers, the regulators of a
province, an audit team, or one named person. A `Directory` loads the members of many
audiences in at most three queries, so delivering one event or ten thousand reminders costs
the same number of queries. The actor is never told about their own action.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.models import Membership, Role
from core.models import LogEntry, User
from notifications.models import Category
from notifications.services import Message, notifications_deliver

# --- Audiences ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """A group of people: `org` (role in an organisation), `province` (regulators), `team`
    (an audit's team) or `user` (one person)."""

    kind: str
    key: int
    role: str = ""


def enterprise_users(organisation_id: int | None) -> list[Audience]:
    return [Audience("org", organisation_id, Role.ENTERPRISE)] if organisation_id else []


def body_staff(body_id: int | None) -> list[Audience]:
    return [Audience("org", body_id, Role.CB_STAFF)] if body_id else []


def decision_makers(body_id: int | None) -> list[Audience]:
    return [Audience("org", body_id, Role.DECISION_MAKER)] if body_id else []


def regulators(province_id: int | None) -> list[Audience]:
    return [Audience("province", province_id, Role.REGULATOR)] if province_id else []


def audit_team(audit_id: int | None) -> list[Audience]:
    return [Audience("team", audit_id)] if audit_id else []


def person(user_id: int | str | None) -> list[Audience]:
    return [Audience("user", int(user_id))] if str(user_id or "").isdigit() else []


class Directory:
    """The active members of many audiences, loaded at once (≤ 3 queries)."""

    def __init__(self, audiences: Iterable[Audience]) -> None:
        from audits.models import AuditTeamMember

        audiences = set(audiences)
        self._members: dict[Audience, list[User]] = defaultdict(list)
        orgs = {a.key for a in audiences if a.kind == "org"}
        roles = {a.role for a in audiences if a.kind == "org"}
        provinces = {a.key for a in audiences if a.kind == "province"}
        condition = Q(pk__in=[])
        if orgs:
            condition |= Q(organisation_id__in=orgs, role__in=roles)
        if provinces:
            condition |= Q(jurisdiction_id__in=provinces, role=Role.REGULATOR)
        if orgs or provinces:
            memberships = (
                Membership.objects.active()
                .filter(condition, user__is_active=True)
                .select_related("user")
            )
            for m in memberships:
                if m.organisation_id:
                    self._members[Audience("org", m.organisation_id, m.role)].append(m.user)
                else:
                    self._members[Audience("province", m.jurisdiction_id, m.role)].append(m.user)
        audits = {a.key for a in audiences if a.kind == "team"}
        if audits:
            team = AuditTeamMember.objects.filter(
                audit_id__in=audits, user__is_active=True
            ).select_related("user")
            for member in team:
                self._members[Audience("team", member.audit_id)].append(member.user)
        people = {a.key for a in audiences if a.kind == "user"}
        if people:
            for user in User.objects.filter(pk__in=people, is_active=True):
                self._members[Audience("user", user.pk)].append(user)

    def resolve(self, audiences: Iterable[Audience], *, exclude: int | None = None) -> list[User]:
        """The people in any of `audiences`, each once, without `exclude` (the actor)."""
        people: dict[int, User] = {}
        for audience in audiences:
            for user in self._members.get(audience, ()):
                if user.pk != exclude:
                    people.setdefault(user.pk, user)
        return list(people.values())


# --- Subjects: how to load, name and place each kind of object ------------------------------

# model label → (short name used in event codes, related rows loaded with the object)
SUBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "certification.application": ("application", ("enterprise", "body")),
    "certification.certificate": ("certificate", ("enterprise", "body")),
    "certification.bodyregistration": ("registration", ("body", "scheme")),
    "certification.appeal": ("appeal", ("enterprise", "body")),
    "certification.complaint": ("complaint", ("body", "enterprise")),
    "audits.audit": ("audit", ("application", "certificate")),
    "audits.finding": (
        "finding",
        ("audit", "audit__application", "audit__certificate"),
    ),
}


def display(subject: models.Model) -> str:
    """The object's name for a message, in the active language."""
    if subject._meta.label_lower == "audits.finding":
        return f"{subject} · {subject.audit}"
    return str(subject)


# model label → the name of its page (the web interface's URLs).
PAGES: dict[str, str] = {
    "certification.application": "certification:application_detail",
    "certification.certificate": "certification:certificate_detail",
    "certification.bodyregistration": "certification:registration_detail",
    "certification.appeal": "certification:appeal_detail",
    "certification.complaint": "certification:complaint_detail",
    "audits.audit": "audits:audit_detail",
    "audits.finding": "audits:finding_detail",
}


def subject_url(subject: models.Model) -> str:
    """The path of the object's page ("" when it has none): its `get_absolute_url()`, else
    the page named in PAGES."""
    get_url = getattr(subject, "get_absolute_url", None)
    if callable(get_url):
        return str(get_url())
    name = PAGES.get(subject._meta.label_lower)
    if name is None:
        return ""
    try:
        return reverse(name, args=[subject.pk])
    except NoReverseMatch:
        return ""


def _audit_parent(audit) -> models.Model:
    return audit.application if audit.application_id else audit.certificate


def day_text(value) -> str:
    """A date (or an ISO date string from a log entry's data) in the active language."""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


# --- Rules ---------------------------------------------------------------------------------

Audiences = Callable[[models.Model, LogEntry], list[Audience]]
Detail = Callable[[models.Model, LogEntry], str]


@dataclass(frozen=True)
class Rule:
    category: str
    title: Promise  # a lazy format string with %(object)s
    audiences: Audiences
    detail: Detail | None = None


def _app_enterprise(a, e):
    return enterprise_users(a.enterprise_id)


def _app_enterprise_and_staff(a, e):
    return enterprise_users(a.enterprise_id) + body_staff(a.body_id)


def _app_deciders(application, entry) -> list[Audience]:
    """The assigned decision maker, else every decision maker of the body who may decide the
    file (not on an audit team of it, not its technical reviewer)."""
    if application.decision_maker_id:
        return person(application.decision_maker_id)
    return [Audience("deciders_of_application", application.pk)]


def _audit_enterprise_and_team(audit, e):
    return enterprise_users(_audit_parent(audit).enterprise_id) + audit_team(audit.pk)


def _finding_parent(finding):
    return _audit_parent(finding.audit)


def _finding_enterprise_and_team(f, e):
    return enterprise_users(_finding_parent(f).enterprise_id) + audit_team(f.audit_id)


def _finding_everyone(f, e):
    parent = _finding_parent(f)
    return (
        enterprise_users(parent.enterprise_id) + audit_team(f.audit_id) + body_staff(parent.body_id)
    )


def _certificate_everyone(c, e):
    return (
        enterprise_users(c.enterprise_id)
        + body_staff(c.body_id)
        + regulators(c.enterprise.province_id)
    )


def _registration_staff(r, e):
    return body_staff(r.body_id)


def _registration_regulators(r, e):
    """The registering (national) authority's regulators, and those of the body's province,
    who see the registration."""
    province_id = r.body.province_id
    return regulators(r.jurisdiction_id) + (
        regulators(province_id) if province_id != r.jurisdiction_id else []
    )


def _certificate_validity(c, e) -> str:
    return _("Valid from %(start)s until %(end)s.") % {
        "start": day_text(c.valid_from),
        "end": day_text(c.valid_until),
    }


def _stop_use(e) -> str:
    if not e.data.get("stop_use_by"):
        return ""
    return " " + _(
        "Stop using the certificate, the certification mark and every reference to them by "
        "%(date)s."
    ) % {"date": day_text(e.data.get("stop_use_by"))}


def _certificate_suspended_until(c, e) -> str:
    return _("Suspended until %(date)s.") % {"date": day_text(e.data.get("until"))} + _stop_use(e)


def _certificate_withdrawn(c, e) -> str:
    return _stop_use(e).strip()


def _certificate_expired(c, e) -> str:
    return _("It was valid until %(date)s.") % {"date": day_text(c.valid_until)}


def _surveillance_next(c, e) -> str:
    return _("The next surveillance audit is due by %(date)s.") % {
        "date": day_text(e.data.get("next_due"))
    }


def _finding_due(f, e) -> str:
    return _("Due date: %(date)s.") % {"date": day_text(f.due_date)} if f.due_date else ""


def _finding_planned(f, e) -> str:
    return _("Planned completion: %(date)s.") % {"date": day_text(f.planned_completion)}


def _audit_dates(a, e) -> str:
    return _("Planned from %(start)s to %(end)s.") % {
        "start": day_text(a.planned_start),
        "end": day_text(a.planned_end),
    }


def _registration_registered(r, e) -> str:
    return _("Registration number %(number)s, valid until %(date)s.") % {
        "number": r.registration_number,
        "date": day_text(r.valid_until),
    }


A = Category
EVENTS: dict[tuple[str, str], Rule] = {
    # Applications: the enterprise on every change; the body's officers on submissions and on
    # what ends the file; the decision maker(s) when it is ready for a decision.
    ("certification.application", "create"): Rule(
        A.APPLICATIONS, gettext_lazy("Application %(object)s was opened"), _app_enterprise
    ),
    ("certification.application", "submit"): Rule(
        A.APPLICATIONS,
        gettext_lazy("Application %(object)s was submitted"),
        _app_enterprise_and_staff,
    ),
    ("certification.application", "resubmit"): Rule(
        A.APPLICATIONS,
        gettext_lazy("Application %(object)s was resubmitted"),
        _app_enterprise_and_staff,
    ),
    ("certification.application", "start_review"): Rule(
        A.APPLICATIONS,
        gettext_lazy("The review of application %(object)s has started"),
        _app_enterprise,
    ),
    ("certification.application", "request_revision"): Rule(
        A.APPLICATIONS,
        gettext_lazy("Application %(object)s: a revision is requested"),
        _app_enterprise,
    ),
    ("certification.application", "reject"): Rule(
        A.APPLICATIONS, gettext_lazy("Application %(object)s was rejected"), _app_enterprise
    ),
    ("certification.application", "accept"): Rule(
        A.APPLICATIONS,
        gettext_lazy("Application %(object)s was accepted for evaluation"),
        _app_enterprise,
    ),
    ("certification.application", "submit_for_decision"): Rule(
        A.APPLICATIONS,
        gettext_lazy("Application %(object)s awaits a certification decision"),
        lambda a, e: enterprise_users(a.enterprise_id) + _app_deciders(a, e),
    ),
    ("certification.application", "return_to_evaluation"): Rule(
        A.APPLICATIONS,
        gettext_lazy("Application %(object)s was returned to evaluation"),
        _app_enterprise_and_staff,
    ),
    # The enterprise hears of a grant through "certificate issued" (one message, with the
    # certificate's number and dates); the body's officers through this one.
    ("certification.application", "grant"): Rule(
        A.APPLICATIONS,
        gettext_lazy("Certification granted: application %(object)s"),
        lambda a, e: body_staff(a.body_id),
    ),
    ("certification.application", "refuse"): Rule(
        A.APPLICATIONS,
        gettext_lazy("Certification refused: application %(object)s"),
        _app_enterprise_and_staff,
    ),
    ("certification.application", "withdraw"): Rule(
        A.APPLICATIONS,
        gettext_lazy("Application %(object)s was withdrawn"),
        _app_enterprise_and_staff,
    ),
    ("certification.application", "assign_decision_maker"): Rule(
        A.APPLICATIONS,
        gettext_lazy("You are to decide application %(object)s"),
        lambda a, e: person(e.data.get("decision_maker")),
    ),
    # Audits: the enterprise and the team on every change; officers when a report awaits them.
    ("audits.audit", "plan"): Rule(
        A.AUDITS,
        gettext_lazy("Audit planned: %(object)s"),
        lambda a, e: enterprise_users(_audit_parent(a).enterprise_id),
        _audit_dates,
    ),
    ("audits.audit", "team_add"): Rule(
        A.AUDITS,
        gettext_lazy("You are on the team of %(object)s"),
        lambda a, e: person(e.data.get("user")),
        _audit_dates,
    ),
    ("audits.audit", "team_remove"): Rule(
        A.AUDITS,
        gettext_lazy("You are no longer on the team of %(object)s"),
        lambda a, e: person(e.data.get("user")),
    ),
    ("audits.audit", "start"): Rule(
        A.AUDITS, gettext_lazy("Audit started: %(object)s"), _audit_enterprise_and_team
    ),
    ("audits.audit", "submit_report"): Rule(
        A.AUDITS,
        gettext_lazy("Audit report submitted: %(object)s"),
        lambda a, e: _audit_enterprise_and_team(a, e) + body_staff(_audit_parent(a).body_id),
    ),
    ("audits.audit", "approve_report"): Rule(
        A.AUDITS, gettext_lazy("Audit report approved: %(object)s"), _audit_enterprise_and_team
    ),
    ("audits.audit", "return_report"): Rule(
        A.AUDITS, gettext_lazy("Audit report returned: %(object)s"), _audit_enterprise_and_team
    ),
    ("audits.audit", "cancel"): Rule(
        A.AUDITS, gettext_lazy("Audit cancelled: %(object)s"), _audit_enterprise_and_team
    ),
    # Findings: the enterprise must answer; the team and the officers see the answers.
    ("audits.finding", "raise"): Rule(
        A.FINDINGS,
        gettext_lazy("New finding: %(object)s"),
        lambda f, e: enterprise_users(_finding_parent(f).enterprise_id),
        _finding_due,
    ),
    ("audits.finding", "respond"): Rule(
        A.FINDINGS,
        gettext_lazy("Finding answered: %(object)s"),
        _finding_everyone,
        _finding_planned,
    ),
    ("audits.finding", "accept_plan"): Rule(
        A.FINDINGS,
        gettext_lazy("Corrective-action plan accepted: %(object)s"),
        _finding_enterprise_and_team,
    ),
    ("audits.finding", "reject_response"): Rule(
        A.FINDINGS,
        gettext_lazy("Response rejected: %(object)s"),
        _finding_enterprise_and_team,
        _finding_due,
    ),
    ("audits.finding", "verify"): Rule(
        A.FINDINGS, gettext_lazy("Finding closed: %(object)s"), _finding_enterprise_and_team
    ),
    ("audits.finding", "acknowledge"): Rule(
        A.FINDINGS,
        gettext_lazy("Observation acknowledged: %(object)s"),
        _finding_enterprise_and_team,
    ),
    ("audits.finding", "escalate"): Rule(
        A.FINDINGS,
        gettext_lazy("Overdue minor finding raised to major: %(object)s"),
        _finding_everyone,
        _finding_due,
    ),
    # Certificates: the enterprise on every change; officers and the province's regulators on
    # suspension, withdrawal, expiry and what undoes them.
    ("certification.certificate", "issue"): Rule(
        A.CERTIFICATES,
        gettext_lazy("Certificate %(object)s issued"),
        lambda c, e: enterprise_users(c.enterprise_id),
        _certificate_validity,
    ),
    ("certification.certificate", "reissue"): Rule(
        A.CERTIFICATES,
        gettext_lazy("Certificate %(object)s re-issued"),
        lambda c, e: enterprise_users(c.enterprise_id),
        lambda c, e: _certificate_validity(c, e) + _stop_use(e),
    ),
    ("certification.certificate", "suspend"): Rule(
        A.CERTIFICATES,
        gettext_lazy("Certificate %(object)s suspended"),
        _certificate_everyone,
        _certificate_suspended_until,
    ),
    ("certification.certificate", "reinstate"): Rule(
        A.CERTIFICATES, gettext_lazy("Certificate %(object)s reinstated"), _certificate_everyone
    ),
    ("certification.certificate", "withdraw"): Rule(
        A.CERTIFICATES,
        gettext_lazy("Certificate %(object)s withdrawn"),
        _certificate_everyone,
        _certificate_withdrawn,
    ),
    ("certification.certificate", "expire"): Rule(
        A.CERTIFICATES,
        gettext_lazy("Certificate %(object)s expired"),
        _certificate_everyone,
        _certificate_expired,
    ),
    ("certification.certificate", "restore"): Rule(
        A.CERTIFICATES,
        gettext_lazy("Certificate %(object)s restored"),
        _certificate_everyone,
        _certificate_validity,
    ),
    ("certification.certificate", "surveillance_done"): Rule(
        A.CERTIFICATES,
        gettext_lazy("Surveillance recorded for certificate %(object)s"),
        lambda c, e: enterprise_users(c.enterprise_id),
        _surveillance_next,
    ),
    # Body registrations: regulators on submissions; the body's officers on decisions.
    ("certification.bodyregistration", "submit"): Rule(
        A.REGISTRATIONS,
        gettext_lazy("Registration submitted: %(object)s"),
        _registration_regulators,
    ),
    ("certification.bodyregistration", "resubmit"): Rule(
        A.REGISTRATIONS,
        gettext_lazy("Registration resubmitted: %(object)s"),
        _registration_regulators,
    ),
    ("certification.bodyregistration", "start_review"): Rule(
        A.REGISTRATIONS, gettext_lazy("Registration under review: %(object)s"), _registration_staff
    ),
    ("certification.bodyregistration", "request_revision"): Rule(
        A.REGISTRATIONS,
        gettext_lazy("Registration: a revision is requested: %(object)s"),
        _registration_staff,
    ),
    ("certification.bodyregistration", "register"): Rule(
        A.REGISTRATIONS,
        gettext_lazy("Registered: %(object)s"),
        _registration_staff,
        _registration_registered,
    ),
    ("certification.bodyregistration", "reject"): Rule(
        A.REGISTRATIONS, gettext_lazy("Registration rejected: %(object)s"), _registration_staff
    ),
    ("certification.bodyregistration", "suspend"): Rule(
        A.REGISTRATIONS, gettext_lazy("Registration suspended: %(object)s"), _registration_staff
    ),
    ("certification.bodyregistration", "reinstate"): Rule(
        A.REGISTRATIONS, gettext_lazy("Registration reinstated: %(object)s"), _registration_staff
    ),
    ("certification.bodyregistration", "revoke"): Rule(
        A.REGISTRATIONS, gettext_lazy("Registration revoked: %(object)s"), _registration_staff
    ),
    ("certification.bodyregistration", "expire"): Rule(
        A.REGISTRATIONS,
        gettext_lazy("Registration expired: %(object)s"),
        lambda r, e: _registration_staff(r, e) + _registration_regulators(r, e),
    ),
    # Appeals and complaints: the body's officers receive them; the enterprise follows its
    # appeal; the decision maker handed an appeal is told.
    ("certification.appeal", "lodge"): Rule(
        A.APPEALS_COMPLAINTS,
        gettext_lazy("Appeal lodged: %(object)s"),
        lambda a, e: body_staff(a.body_id) + enterprise_users(a.enterprise_id),
    ),
    ("certification.appeal", "start_consideration"): Rule(
        A.APPEALS_COMPLAINTS,
        gettext_lazy("Appeal under consideration: %(object)s"),
        lambda a, e: person(e.data.get("handler")) + enterprise_users(a.enterprise_id),
    ),
    ("certification.appeal", "uphold"): Rule(
        A.APPEALS_COMPLAINTS,
        gettext_lazy("Appeal upheld: %(object)s"),
        lambda a, e: enterprise_users(a.enterprise_id) + body_staff(a.body_id),
    ),
    ("certification.appeal", "dismiss"): Rule(
        A.APPEALS_COMPLAINTS,
        gettext_lazy("Appeal dismissed: %(object)s"),
        lambda a, e: enterprise_users(a.enterprise_id) + body_staff(a.body_id),
    ),
    # A complaint: the body's officers receive it and the certified client it is about is
    # told; the complainant is e-mailed (notifications.complainants).
    ("certification.complaint", "lodge"): Rule(
        A.APPEALS_COMPLAINTS,
        gettext_lazy("Complaint received: %(object)s"),
        lambda c, e: body_staff(c.body_id) + enterprise_users(c.enterprise_id),
    ),
    ("certification.complaint", "acknowledge"): Rule(
        A.APPEALS_COMPLAINTS,
        gettext_lazy("Your complaint is being investigated: %(object)s"),
        lambda c, e: person(c.submitted_by_id),
    ),
    ("certification.complaint", "resolve"): Rule(
        A.APPEALS_COMPLAINTS,
        gettext_lazy("Your complaint was resolved: %(object)s"),
        lambda c, e: person(c.submitted_by_id),
    ),
    ("certification.complaint", "open_special_audit"): Rule(
        A.APPEALS_COMPLAINTS,
        gettext_lazy("A special audit was opened on a complaint: %(object)s"),
        lambda c, e: body_staff(c.body_id) + enterprise_users(c.enterprise_id),
    ),
    ("certification.complaint", "propose_suspension"): Rule(
        A.APPEALS_COMPLAINTS,
        gettext_lazy("Suspension proposed on a complaint: %(object)s"),
        lambda c, e: body_staff(c.body_id),
    ),
}


def rule_for(entry: LogEntry) -> tuple[str, Rule] | tuple[None, None]:
    """The model label and rule of a log entry (None when nobody is told about it)."""
    content_type = ContentType.objects.get_for_id(entry.content_type_id)
    label = f"{content_type.app_label}.{content_type.model}"
    rule = EVENTS.get((label, entry.transition))
    return (label, rule) if rule else (None, None)


def _expand_deciders(audiences: list[Audience], application) -> list[Audience]:
    """Replace the 'deciders of an application' placeholder by the decision makers of its body,
    leaving out those who may not decide it (on an audit team, or its technical reviewer)."""
    if not any(a.kind == "deciders_of_application" for a in audiences):
        return audiences
    return [a for a in audiences if a.kind != "deciders_of_application"] + decision_makers(
        application.body_id
    )


def _excluded_deciders(audiences: list[Audience], application) -> set[int]:
    if not any(a.kind == "deciders_of_application" for a in audiences):
        return set()
    from audits.selectors import team_user_ids

    return team_user_ids(application) | {application.technical_reviewer_id}


def _body(subject: models.Model, entry: LogEntry, rule: Rule) -> str:
    """The message: what the object is now, the rule's detail, who did it and why."""
    field_ = next((f for f in subject._meta.fields if f.name == "state" and f.choices), None)
    lines = []
    if field_ is not None and entry.target_state:
        state = dict(field_.flatchoices).get(entry.target_state, entry.target_state)
        lines.append(
            _("%(kind)s %(object)s is now “%(state)s”.")
            % {
                "kind": capfirst(subject._meta.verbose_name),
                "object": display(subject),
                "state": state,
            }
        )
    if rule.detail is not None:
        detail = rule.detail(subject, entry)
        if detail:
            lines.append(detail)
    if entry.actor_id:
        lines.append(_("By %(name)s.") % {"name": entry.actor_name})
    else:
        lines.append(_("Done automatically by the system (scheduled jobs)."))
    if entry.comment:
        lines.append(_("Comment: %(comment)s") % {"comment": entry.comment})
    return "\n".join(lines)


def notify_log_entry(*, log_entry_id: int) -> int:
    """Tell the people concerned about one logged transition or action, once.

    Loads the entry and its object (one query each), resolves the audiences of the event's
    rule (≤ 3 queries, one more for the decision makers of a file), renders the message in
    each recipient's language and delivers it with the entry as its period — so running this
    twice for the same entry adds nothing. Returns how many notifications were new.
    """
    entry = LogEntry.objects.filter(pk=log_entry_id).first()
    if entry is None:
        return 0
    label, rule = rule_for(entry)
    if rule is None:
        return 0
    short_name, related = SUBJECTS[label]
    model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
    subject = model._default_manager.select_related(*related).filter(pk=entry.object_id).first()
    if subject is None:
        return 0
    audiences = rule.audiences(subject, entry)
    excluded = _excluded_deciders(audiences, subject)
    audiences = _expand_deciders(audiences, subject)
    recipients = [
        user
        for user in Directory(audiences).resolve(audiences, exclude=entry.actor_id)
        if user.pk not in excluded
    ]

    def render() -> tuple[str, str]:
        return rule.title % {"object": display(subject)}, _body(subject, entry, rule)

    url = subject_url(subject)
    return notifications_deliver(
        messages=[
            Message(
                recipient=user,
                event=f"{short_name}.{entry.transition}",
                category=rule.category,
                subject=subject,
                period=f"log:{entry.pk}",
                render=render,
                url=url,
            )
            for user in recipients
        ]
    )


def is_notifiable(entry: LogEntry) -> bool:
    """Whether anyone is told about this entry (no query once content types are cached)."""
    return rule_for(entry)[1] is not None
