"""The certificate's 3-year audit programme (ISO/IEC 17021-1 §9.1.3).

A certification cycle runs from the certificate's current validity start (issue, or the
restoration decision) to the recertification. Its audits are the audits of the applications
decided in the cycle (stage 1 and 2, recertification, scope changes) and the surveillance and
special audits of the certificate (every version of it) since the cycle began.

Each surveillance checks the core items of its template (those listing `surveillance` in
`applies_to`) and a third of the others — those not yet checked by a surveillance or special
audit of the cycle first, in the template's order. Two surveillances thus check two thirds; the
recertification audit checks everything. The sampled sites rotate the same way: sites not yet
audited in the cycle first (audits.sampling). The programme page shows, per item and per site,
which audits of the cycle covered it.

Functions other apps call (names are a contract): `programme_items_for`, `sites_visited`.
"""

import math
from dataclasses import dataclass, field

from django.db.models import Q

from audits.models import Audit
from certification.models import Certificate, Decision
from checklists.models import ChecklistAnswer, ChecklistItem, ChecklistTemplate

ROTATING_SHARE = 3  # a third of the non-core items per surveillance


def cycle_start(certificate: Certificate):
    """First day of the certificate's current cycle (its validity start: issue or restoration)."""
    return certificate.valid_from


def cycle_audits(certificate: Certificate) -> list[Audit]:
    """The non-cancelled audits of the certificate's current cycle, oldest first (two queries)."""
    start = cycle_start(certificate)
    family = Certificate.objects.filter(base_number=certificate.base_number)
    decided_apps = (
        Decision.objects.filter(
            Q(application__certificates__base_number=certificate.base_number)
            | Q(certificates__base_number=certificate.base_number),
            decided_on__gte=start,
        )
        .values("application_id")
        .distinct()
    )
    return list(
        Audit.objects.filter(
            Q(certificate__in=family, planned_start__gte=start) | Q(application_id__in=decided_apps)
        )
        .exclude(state=Audit.State.CANCELLED)
        .select_related("application", "certificate")
        .order_by("planned_start", "pk")
    )


def _is_core(item: ChecklistItem) -> bool:
    return "surveillance" in (item.applies_to or [])


def programme_items_for(audit: Audit) -> list[str]:
    """The item codes a new surveillance audit checks: the core items of its template and a
    rotating third of the others (those not yet checked by a surveillance or special audit of
    the cycle first). Empty — every item of its kind, as before — for other audits, or when
    the template holds core items only (version 1 of the surveillance checklist)."""
    if audit.kind != Audit.Kind.SURVEILLANCE or audit.certificate_id is None:
        return []
    template = ChecklistTemplate.objects.filter(audit_checklists__audit=audit).first()
    if template is None:
        return []
    items = list(template.items.order_by("position").only("code", "applies_to", "position"))
    core = [i.code for i in items if _is_core(i)]
    rest = [i.code for i in items if not _is_core(i)]
    if not rest:
        return []
    earlier = [
        a.pk
        for a in cycle_audits(audit.certificate)
        if a.certificate_id is not None and a.pk != audit.pk
    ]
    checked = set(
        ChecklistAnswer.objects.filter(audit_id__in=earlier).values_list("item__code", flat=True)
    )
    share = math.ceil(len(rest) / ROTATING_SHARE)
    ordered = [c for c in rest if c not in checked] + [c for c in rest if c in checked]
    chosen = set(ordered[:share])
    return core + [c for c in rest if c in chosen]


def sites_visited(certificate: Certificate, *, exclude_audit_id: int | None = None) -> set[str]:
    """Names of the sites audited (sampled) by the cycle's audits so far."""
    return {
        name
        for a in cycle_audits(certificate)
        if a.pk != exclude_audit_id
        for name in (a.sampled_sites or [])
    }


@dataclass
class ItemCoverage:
    code: str
    requirement: str
    core: bool
    audits: list[Audit] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.audits)


@dataclass
class SiteCoverage:
    name: str
    risk: str
    audits: list[Audit] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.audits)


@dataclass
class ProgrammeCoverage:
    certificate: Certificate
    audits: list[Audit]
    items: list[ItemCoverage]
    sites: list[SiteCoverage]

    @property
    def items_covered(self) -> int:
        return sum(1 for i in self.items if i.covered)

    @property
    def sites_covered(self) -> int:
        return sum(1 for s in self.sites if s.covered)


def programme_coverage(certificate: Certificate) -> ProgrammeCoverage:
    """Per item of the scheme's full checklist (and the surveillance items besides it) and per
    site of the certificate: the audits of the cycle that checked or visited it. A fixed number
    of queries whatever the number of audits."""
    audits = cycle_audits(certificate)
    by_pk = {a.pk: a for a in audits}
    answered: dict[str, list[Audit]] = {}
    for audit_id, code in (
        ChecklistAnswer.objects.filter(audit_id__in=list(by_pk))
        .order_by("audit_id")
        .values_list("audit_id", "item__code")
    ):
        answered.setdefault(code, []).append(by_pk[audit_id])
    codes = [certificate.scheme.checklist_code]
    if "-system" in codes[0]:
        codes.append(codes[0].replace("-system", "-surveillance"))
    newest: dict[str, ChecklistTemplate] = {}
    for template in ChecklistTemplate.objects.filter(
        code__in=codes, status=ChecklistTemplate.Status.PUBLISHED
    ).order_by("-version"):
        newest.setdefault(template.code, template)
    items: dict[str, ItemCoverage] = {}
    core_codes: set[str] = set()
    for code in codes:  # the full checklist first, in its order
        if code not in newest:
            continue
        for item in ChecklistItem.objects.filter(template=newest[code]).order_by("position"):
            if code.endswith("-surveillance") and _is_core(item):
                core_codes.add(item.code)
            if item.code not in items:
                items[item.code] = ItemCoverage(
                    code=item.code, requirement=item.requirement, core=False
                )
    for code, coverage in items.items():
        coverage.core = code in core_codes
        coverage.audits = answered.get(code, [])
    sites = []
    for site in certificate.sites or []:
        name = site.get("name", "")
        sites.append(
            SiteCoverage(
                name=name,
                risk=site.get("risk", ""),
                audits=[a for a in audits if name in (a.sampled_sites or [])],
            )
        )
    return ProgrammeCoverage(
        certificate=certificate, audits=audits, items=list(items.values()), sites=sites
    )
