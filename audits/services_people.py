"""Writes about the people of a body: competence records (the competence matrix), training
records, and the enterprise's objections to a member of an audit team. Each write is logged
(core.services.log_transition); the objections' state changes go through
core.workflow.execute."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import remove_perm

from audits.models import (
    AssessorQualification,
    Audit,
    AuditTeamMember,
    TeamObjection,
    WitnessedAudit,
)
from certification.models import Membership, Role
from certification.selectors import has_role
from core.clock import today
from core.exceptions import DomainError
from core.models import User
from core.services import log_transition
from core.workflow import execute

# People whose competence a body keeps on record.
_PEOPLE_ROLES = (Role.ASSESSOR, Role.CB_STAFF, Role.DECISION_MAKER)

QUALIFICATION_FIELDS = (
    "user",
    "scheme",
    "function",
    "technical_area",
    "valid_from",
    "valid_until",
    "witnessed_on",
    "training",
    "note",
)


def bodies_managed_by(by: User):
    """Ids of the bodies where `by` is an officer (a subquery)."""
    return (
        Membership.objects.active()
        .filter(user_id=by.pk, role=Role.CB_STAFF)
        .values("organisation_id")
    )


def people_managed_by(by: User):
    """Ids of the people whose competence `by` may record: the assessors, officers and
    decision makers of the bodies where `by` is an officer (everyone for an administrator)."""
    memberships = Membership.objects.active().filter(role__in=_PEOPLE_ROLES)
    if not by.is_superuser:
        memberships = memberships.filter(organisation_id__in=bodies_managed_by(by))
    return memberships.values("user_id")


def may_manage_competence(by: User, person: User) -> bool:
    if not by.is_authenticated or not by.is_active:
        return False
    return by.is_superuser or people_managed_by(by).filter(user_id=person.pk).exists()


def _require_manager(by: User, person: User) -> None:
    if not may_manage_competence(by, person):
        raise PermissionDenied(
            _("Only officers of the person's certification body may record their competence.")
        )


@transaction.atomic
def qualification_save(
    *, by: User, qualification: AssessorQualification | None = None, **fields: Any
) -> AssessorQualification:
    """Create (no `qualification`) or change a competence record and log it.

    Raises PermissionDenied unless `by` is an administrator or an officer of a body where the
    person works (for a change: before and after); ValidationError for invalid fields (dates in
    the wrong order, unknown function or area)."""
    return _save_record(
        AssessorQualification, qualification, fields, QUALIFICATION_FIELDS, by=by, logged=_logged
    )


def _save_record(model, record, fields: dict, allowed, *, by: User, logged, check=None):
    """Create (`record` None) or change a person's record of `model` from `fields` (names in
    `allowed`) for `by`, an officer who manages the person before and after the change, and log
    it (`create` or `edit`, with `logged(record)`). `check(record, by)` adds its own checks
    after the model's validation."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")
    creating = record is None
    if creating:
        record = model()
    else:
        record = model.objects.select_for_update().get(pk=record.pk)
        _require_manager(by, record.user)
    for name, value in fields.items():
        setattr(record, name, value)
    _require_manager(by, record.user)
    record.full_clean()
    if check is not None:
        check(record, by)
    if creating:
        record.save()
        log_transition(record, "create", by=by, data=logged(record))
    else:
        record.save(update_fields=[*fields, "updated_at"])
        log_transition(record, "edit", by=by, data={"fields": list(fields), **logged(record)})
    return record


def _logged(q: AssessorQualification) -> dict:
    return {
        "user": q.user_id,
        "scheme": q.scheme_id,
        "function": q.function,
        "technical_area": q.technical_area,
        "valid_from": q.valid_from,
        "valid_until": q.valid_until,
        "witnessed_on": q.witnessed_on,
    }


@transaction.atomic
def qualification_delete(*, qualification: AssessorQualification, by: User) -> None:
    """Delete a competence record entered by mistake (logged with its content). A record that
    simply ends is given an end date instead."""
    _require_manager(by, qualification.user)
    log_transition(qualification, "delete", by=by, data=_logged(qualification))
    qualification.delete()


# --- Witnessed and monitored audits ---------------------------------------------------------

WITNESSING_FIELDS = (
    "user",
    "function",
    "audit",
    "external_reference",
    "witness",
    "witnessed_on",
    "kind",
    "outcome",
    "notes",
)


def _logged_witnessing(w: WitnessedAudit) -> dict:
    return {
        "user": w.user_id,
        "function": w.function,
        "audit": w.audit_id,
        "external_reference": w.external_reference,
        "witness": w.witness_id,
        "witnessed_on": w.witnessed_on,
        "kind": w.kind,
        "outcome": w.outcome,
    }


def _check_witnessing(w: WitnessedAudit, by: User) -> None:
    errors: dict[str, list[str]] = {}
    if w.witnessed_on and w.witnessed_on > today():
        errors.setdefault("witnessed_on", []).append(_("A witnessing is recorded once done."))
    if w.audit_id is not None:
        audit = Audit.objects.select_related("application", "certificate").get(pk=w.audit_id)
        body_id = audit.subject.body_id
        if (
            not by.is_superuser
            and not bodies_managed_by(by).filter(organisation_id=body_id).exists()
        ):
            errors.setdefault("audit", []).append(_("Choose an audit of your body."))
        elif not AuditTeamMember.objects.filter(audit_id=w.audit_id, user_id=w.user_id).exists():
            errors.setdefault("audit", []).append(_("This person was not on the audit's team."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def witnessing_save(
    *,
    by: User,
    witnessing: WitnessedAudit | None = None,
    evidence=None,
    **fields: Any,
) -> WitnessedAudit:
    """Record (no `witnessing`) or correct a witnessed or monitored audit of a person, with
    the evidence file when given (a document owned by the record), and log it.

    Raises PermissionDenied unless `by` is an administrator or an officer of a body where the
    person works; ValidationError for invalid fields (no audit named, a person witnessing
    themselves, a date to come, an audit the person was not on or of another body)."""
    witnessing = _save_record(
        WitnessedAudit,
        witnessing,
        fields,
        WITNESSING_FIELDS,
        by=by,
        logged=_logged_witnessing,
        check=_check_witnessing,
    )
    if evidence is not None:
        from documents.services import document_upload

        document_upload(owner=witnessing, doc_type="evidence", file=evidence, by=by)
    return witnessing


# --- Objections to a team member ------------------------------------------------------------


@transaction.atomic
def objection_raise(*, audit: Audit, member: User, reason: str, by: User) -> TeamObjection:
    """The audited enterprise objects to a person on the team of a planned audit, with a
    reason. The audit cannot start until an officer resolves it.

    Raises PermissionDenied unless `by` is a user of the audited enterprise; DomainError once
    the audit started (`invalid_state`) or when an objection to that person is open
    (`objection_open`); ValidationError without a reason or for a person not on the team."""
    audit = Audit.objects.select_for_update(of=("self",)).get(pk=audit.pk)
    if not has_role(by, Role.ENTERPRISE, audit.client):
        raise PermissionDenied(_("Only the audited enterprise's users may object to the team."))
    if audit.state != Audit.State.PLANNED:
        raise DomainError(
            _("An objection to the team is raised before the audit starts."),
            code="invalid_state",
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the objection.")})
    if not audit.team.filter(user_id=member.pk).exists():
        raise ValidationError({"member": _("This person is not on the audit team.")})
    if audit.objections.filter(member=member, state=TeamObjection.State.OPEN).exists():
        raise DomainError(_("An objection to this person is already open."), code="objection_open")
    objection = TeamObjection.objects.create(
        audit=audit, member=member, reason=reason.strip(), raised_by=by
    )
    log_transition(objection, "raise", by=by, target=objection.state, data={"member": member.pk})
    log_transition(
        audit,
        "team_objection",
        by=by,
        previous=audit.state,
        data={"objection": objection.pk, "member": member.pk, "name": member.get_full_name()},
        comment=reason.strip(),
    )
    return objection


def _take_off_team(objection: TeamObjection, entry) -> None:
    member = AuditTeamMember.objects.filter(
        audit_id=objection.audit_id, user_id=objection.member_id
    ).first()
    if member is None:
        return
    member.delete()
    remove_perm("audits.view_audit", objection.member, objection.audit)
    log_transition(
        objection.audit,
        "team_remove",
        by=entry.actor,
        previous=objection.audit.state,
        data={
            "user": objection.member_id,
            "name": objection.member.get_full_name(),
            "role": member.role,
            "objection": objection.pk,
        },
    )


def objection_uphold(*, objection: TeamObjection, by: User, comment: str) -> TeamObjection:
    """An officer upholds the objection: the person is taken off the team (logged on the
    audit). PermissionDenied unless `by` is an officer of the body; a reason is required."""

    def prepare(o: TeamObjection) -> list[str]:
        if o.audit.state != Audit.State.PLANNED:
            raise DomainError(
                _("The team can change only while the audit is planned."), code="invalid_state"
            )
        o.resolution = comment.strip()
        return ["resolution"]

    return execute(
        objection, "uphold", by=by, comment=comment, prepare=prepare, after=_take_off_team
    )


def objection_dismiss(*, objection: TeamObjection, by: User, comment: str) -> TeamObjection:
    """An officer dismisses the objection with reasons: the person stays on the team."""

    def prepare(o: TeamObjection) -> list[str]:
        o.resolution = comment.strip()
        return ["resolution"]

    return execute(objection, "dismiss", by=by, comment=comment, prepare=prepare)
