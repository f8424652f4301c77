"""What anyone may read about a certificate by its number: the public verification of one
number (`GET /api/v1/public/certificates/{number}/`) and of many at once (`POST
/api/v1/public/certificates/lookup/`, for the national portal and large buyers).

Both answer through `public_certificate_data()`, rendered once per certificate version and
language into the public cache (certification.public_cache, variant `api:<language>`): the bulk
lookup reads the single lookup's cached answers and fills the cache for the next caller.
`public_certificates_found` is the one place that fetches many certificates by number.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch
from django.db.models.functions import Upper

from certification.models import Certificate, StopUseNotice


def _scope(certificate: Certificate) -> dict[str, Any]:
    def rows(values, *keys):
        return [
            {key: str(value.get(key) or "") for key in keys}
            for value in (values or [])
            if isinstance(value, dict)
        ]

    return {
        "products": rows(certificate.products, "name", "gtin"),
        "sites": rows(certificate.sites, "name", "address"),
        "stages": [str(stage) for stage in (certificate.stages or [])],
    }


def public_certificate_data(
    certificate: Certificate, current: Certificate | None
) -> dict[str, Any]:
    """The public view of `certificate` (enterprise and body loaded): `current` is the
    certificate that replaced it, None when it is itself current."""
    notice = None
    if certificate.state in (
        Certificate.State.SUSPENDED,
        Certificate.State.WITHDRAWN,
        Certificate.State.SUPERSEDED,  # after a scope reduction
    ):
        if "stop_use_notices" in getattr(certificate, "_prefetched_objects_cache", {}):
            # Prefetched newest first by public_certificates_lookup (no query here).
            notice = next(iter(certificate.stop_use_notices.all()), None)
        else:
            notice = certificate.stop_use_notices.order_by("-issued_on", "-id").first()
    return {
        "number": certificate.number,
        "holder": certificate.enterprise.name,
        "standard": certificate.standard,
        "sector_standard": certificate.sector_standard,
        "decision_number": certificate.decision.number if certificate.decision_id else "",
        "scope": _scope(certificate),
        "state": certificate.state,
        "state_label": str(certificate.get_state_display()),
        "issued": certificate.issued_on,
        "initially_certified_on": certificate.initially_certified_on,
        "valid_from": certificate.valid_from,
        "valid_until": certificate.valid_until,
        "lapsed_from": certificate.lapsed_from,
        "lapsed_until": certificate.lapsed_until,
        "body": certificate.body.name,
        "is_current": certificate.is_current,
        "current_number": current.number if current is not None else None,
        "stop_use_by": notice.deadline if notice is not None else None,
    }


def _currents(found: Iterable[Certificate]) -> dict[int, Certificate]:
    """certificate id → the current certificate that replaced it (following the chain of
    `superseded_by`), for the superseded ones among `found`: one query per step of the
    longest chain (one, usually)."""
    known = {c.pk: c for c in found}
    heads = {c.pk: c.superseded_by_id for c in known.values() if c.superseded_by_id}
    for _step in range(20):  # a chain longer than this would be a data error
        missing = {target for target in heads.values() if target not in known}
        if missing:
            for c in Certificate.objects.filter(pk__in=missing).only(
                "pk", "number", "superseded_by_id"
            ):
                known[c.pk] = c
        moved = False
        for pk, target in heads.items():
            nxt = known.get(target)
            if nxt is not None and nxt.superseded_by_id and nxt.superseded_by_id != pk:
                heads[pk] = nxt.superseded_by_id
                moved = True
        if not moved:
            break
    return {pk: known[target] for pk, target in heads.items() if target in known}


def public_certificates_found(
    numbers: Iterable[str],
) -> dict[str, tuple[Certificate, Certificate | None] | None]:
    """number as given → (its certificate, the current one that replaced it or None), or None
    when no certificate has that number (case ignored). A handful of queries whatever the
    count: the exact numbers (indexed), the rest ignoring case, then the certificates that
    replaced the superseded ones."""
    asked = distinct_numbers(numbers)
    related = Certificate.objects.select_related("enterprise", "body", "decision").prefetch_related(
        Prefetch("stop_use_notices", queryset=StopUseNotice.objects.order_by("-issued_on", "-id"))
    )
    by_number: dict[str, Certificate] = {}
    candidates = {variant for n in asked for variant in (n, n.upper())}
    if candidates:
        for certificate in related.filter(number__in=candidates):
            by_number[certificate.number] = certificate
    by_upper = {c.number.upper(): c for c in by_number.values()}
    missing = [n for n in asked if n not in by_number and n.upper() not in by_upper]
    if missing:
        for certificate in related.annotate(number_upper=Upper("number")).filter(
            number_upper__in={n.upper() for n in missing}
        ):
            by_upper.setdefault(certificate.number.upper(), certificate)
    currents = _currents(by_upper.values())
    result: dict[str, tuple[Certificate, Certificate | None] | None] = {}
    for n in asked:
        certificate = by_number.get(n) or by_upper.get(n.upper())
        result[n] = None if certificate is None else (certificate, currents.get(certificate.pk))
    return result


def distinct_numbers(numbers: Iterable[str]) -> list[str]:
    """The numbers asked, stripped, blanks and repeats left out, in the order given."""
    return [n for n in dict.fromkeys(n.strip() for n in numbers) if n]


def public_certificates_lookup(numbers: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    """number as given → its public data, or None when no certificate has that number."""
    return {
        number: None if found is None else public_certificate_data(*found)
        for number, found in public_certificates_found(numbers).items()
    }
