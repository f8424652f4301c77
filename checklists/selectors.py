"""Reads of the checklists app: templates, the items that apply to an audit, answers, progress,
scores and the lead's warnings. Every function reads in a fixed number of queries.

Functions other apps call (names are a contract): `unanswered_count`, `answers_without_finding`,
`previous_audit_findings`.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from audits.models import Audit, Finding
from certification.models import Application, Certificate, Scheme
from checklists.models import (
    AuditChecklist,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
)

Result = ChecklistAnswer.Result


# --- Templates ----------------------------------------------------------------------------


def used_template_ids(template_ids: Iterable[int]) -> set[int]:
    """The templates among `template_ids` that an audit has pinned (one query)."""
    return set(
        AuditChecklist.objects.filter(template_id__in=list(template_ids))
        .values_list("template_id", flat=True)
        .distinct()
    )


def template_for_audit(audit: Audit) -> ChecklistTemplate | None:
    """The template version a new pin of `audit` would use: the newest published version of
    the scheme's checklist; for a surveillance audit, of the scheme's code with `-system`
    replaced by `-surveillance` when such a template is published. None when there is none."""
    scheme = audit.scheme
    code = scheme.checklist_code
    if not code:
        return None
    preferred = [code]
    if audit.kind == Audit.Kind.SURVEILLANCE and "-system" in code:
        preferred.insert(0, code.replace("-system", "-surveillance"))
    newest = {}
    for template in ChecklistTemplate.objects.filter(
        code__in=preferred, status=ChecklistTemplate.Status.PUBLISHED
    ).order_by("-version"):
        newest.setdefault(template.code, template)
    return next((newest[c] for c in preferred if c in newest), None)


def pinned_template(audit: Audit) -> ChecklistTemplate | None:
    """The version `audit` pinned (None before the pin)."""
    pin = AuditChecklist.objects.select_related("template").filter(audit_id=audit.pk).first()
    return pin.template if pin else None


# --- Items and answers of an audit ----------------------------------------------------------


def _items_of(audit: Audit, build=lambda items: items) -> list[ChecklistItem]:
    """Every item of the audit's pinned version (all kinds), in order, through `build` (which
    may annotate or select related rows): one query. Before the audit is pinned: those of the
    version a pin would choose, so that nothing reads as complete."""
    pinned = ChecklistItem.objects.filter(template__audit_checklists__audit_id=audit.pk)
    items = list(build(pinned.order_by("position")))
    if items:
        return items  # a pinned version always has items (import and publish ensure it)
    template = template_for_audit(audit)
    if template is None:
        return []
    return list(build(ChecklistItem.objects.filter(template=template).order_by("position")))


def _applies(code: str, applies_to: list[str], audit: Audit) -> bool:
    """Whether the item is checked in `audit`: in its audit programme's list when it has one
    (a surveillance: checklists.programme), else by kind (a special audit checks all)."""
    if audit.programme_items:
        return code in audit.programme_items
    return audit.kind == Audit.Kind.SPECIAL or audit.kind in (applies_to or [])


def applicable_items(audit: Audit) -> list[ChecklistItem]:
    """The items of the pinned version checked in this audit (its programme's items; else its
    kind in `applies_to`; a special audit: all), with their section, in order."""
    return [
        item
        for item in _items_of(audit, lambda items: items.select_related("section"))
        if _applies(item.code, item.applies_to, audit)
    ]


def unanswered_count(audit: Audit) -> int:
    """How many items that apply to `audit` have no answer yet (a “not applicable” answer
    always carries a note: the database refuses one without)."""
    answered = ChecklistAnswer.objects.filter(audit_id=audit.pk, item_id=OuterRef("pk"))
    rows = _items_of(
        audit,
        lambda items: items.annotate(answered=Exists(answered)).values_list(
            "code", "applies_to", "answered"
        ),
    )
    return sum(
        1 for code, applies_to, done in rows if _applies(code, applies_to, audit) and not done
    )


def answers_without_finding(audit: Audit) -> int:
    """How many minor or major answers of `audit` are linked to no finding (one query)."""
    return ChecklistAnswer.objects.filter(
        audit_id=audit.pk, result__in=ChecklistAnswer.NONCONFORMITIES, finding__isnull=True
    ).count()


def answers_of(audit: Audit) -> dict[int, ChecklistAnswer]:
    """The audit's answers by item id, with who answered (one query)."""
    return {
        a.item_id: a
        for a in ChecklistAnswer.objects.filter(audit_id=audit.pk).select_related("answered_by")
    }


# --- Progress, summary, score, warnings ------------------------------------------------------


@dataclass
class Tally:
    """Answers counted over a set of applicable items."""

    applicable: int = 0
    answered: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Result.values, 0))

    def add(self, result: str | None) -> None:
        self.applicable += 1
        if result:
            self.answered += 1
            self.counts[result] += 1

    @property
    def percent(self) -> int:
        """Answered share of the applicable items, 0 to 100 (rounded down)."""
        return self.answered * 100 // self.applicable if self.applicable else 0

    @property
    def score(self) -> float | None:
        """Share of `conform` among the applicable items not answered `not_applicable`
        (an unanswered item counts as not yet conform); None while nothing is answered."""
        if not self.answered:
            return None
        relevant = self.applicable - self.counts[Result.NOT_APPLICABLE]
        return self.counts[Result.CONFORM] / relevant if relevant else None


@dataclass
class SectionRow:
    section: ChecklistSection
    tally: Tally = field(default_factory=Tally)
    # (item, its answer or None) for the full checklist; empty in a summary.
    items: list[tuple[ChecklistItem, ChecklistAnswer | None]] = field(default_factory=list)


@dataclass
class ChecklistOverview:
    """An audit's checklist: sections with their progress and result counts, the totals, the
    score, and the sections the lead should consider raising to a major."""

    sections: list[SectionRow]
    total: Tally
    minors_per_section_warning: int
    warnings: list[str]

    @property
    def score(self) -> float | None:
        return self.total.score


def _scheme_of(audit: Audit) -> Scheme | None:
    # Read from the audit when the caller loaded it with its scheme; else one query.
    if audit.application_id:
        if Audit.application.is_cached(audit) and Application.scheme.is_cached(audit.application):
            return audit.application.scheme
        return Scheme.objects.filter(applications__pk=audit.application_id).first()
    if Audit.certificate.is_cached(audit) and Certificate.scheme.is_cached(audit.certificate):
        return audit.certificate.scheme
    return Scheme.objects.filter(certificates__pk=audit.certificate_id).first()


def _overview(audit: Audit, *, with_answers: bool) -> ChecklistOverview:
    answers: dict[int, ChecklistAnswer] = {}
    if with_answers:
        answers = answers_of(audit)
        items = _items_of(audit, lambda items: items.select_related("section"))
    else:
        result = ChecklistAnswer.objects.filter(audit_id=audit.pk, item_id=OuterRef("pk"))
        items = _items_of(
            audit,
            lambda items: items.select_related("section").annotate(
                answer_result=Subquery(result.values("result")[:1])
            ),
        )
    rows: dict[int, SectionRow] = {}
    total = Tally()
    for item in items:
        if not _applies(item.code, item.applies_to, audit):
            continue
        row = rows.setdefault(item.section_id, SectionRow(item.section))
        answer = answers.get(item.pk)
        result = answer.result if with_answers and answer else getattr(item, "answer_result", None)
        row.tally.add(result)
        total.add(result)
        if with_answers:
            row.items.append((item, answer))
    scheme = _scheme_of(audit)
    threshold = scheme.minors_per_section_warning if scheme else 0
    sections = sorted(rows.values(), key=lambda r: r.section.position)
    warnings = [
        r.section.code for r in sections if threshold and r.tally.counts[Result.MINOR] >= threshold
    ]
    return ChecklistOverview(sections, total, threshold, warnings)


def checklist_summary(audit: Audit) -> ChecklistOverview:
    """Progress per section and overall (answered / applicable), counts per result, score and
    warnings, without the answers themselves (one query, plus one for the scheme unless the
    audit was loaded with it)."""
    return _overview(audit, with_answers=False)


def checklist_of(audit: Audit) -> ChecklistOverview:
    """The whole checklist of an audit for display: each section's applicable items with
    their answers, and everything `checklist_summary` gives (two queries, plus the scheme)."""
    return _overview(audit, with_answers=True)


def section_warnings(audit: Audit) -> list[str]:
    """Codes of the sections with at least the scheme's `minors_per_section_warning` minor
    answers: the lead may raise them to a major (scheme rule)."""
    return checklist_summary(audit).warnings


def checklist_score(audit: Audit) -> float | None:
    """Share of `conform` answers among the applicable items, excluding `not_applicable`;
    None when nothing is answered."""
    return checklist_summary(audit).score


# --- Follow-up of earlier audits -------------------------------------------------------------


def previous_audit_findings(audit: Audit) -> QuerySet[Finding]:
    """For a surveillance or recertification audit: the findings of the previous closed audit
    on the same certificate (surveillance: `audit.certificate`; recertification: the
    certificate the application renews), i.e. the latest closed audit of that certificate
    or of the application that obtained it. Empty for other kinds (one query when read)."""
    if audit.kind == Audit.Kind.SURVEILLANCE:
        certificate_id = audit.certificate_id
    elif audit.kind == Audit.Kind.RECERTIFICATION and audit.application_id:
        certificate_id = Subquery(
            Application.objects.filter(pk=audit.application_id).values("renews_id")[:1]
        )
    else:
        return Finding.objects.none()
    if certificate_id is None:
        return Finding.objects.none()
    previous = (
        Audit.objects.filter(
            Q(certificate_id=certificate_id) | Q(application__certificates__id=certificate_id),
            state=Audit.State.CLOSED,
        )
        .exclude(pk=audit.pk)
        .order_by("-actual_end", "-pk")
        .values("pk")[:1]
    )
    return Finding.objects.filter(audit_id=Subquery(previous)).order_by("id")
