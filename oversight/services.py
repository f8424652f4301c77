"""Writes of the oversight app: the plan (targets, activities, high-risk product groups) and
the national-portal records. Each service checks who may act and logs what it did."""

import datetime
import hashlib
import logging
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.models import Certificate, Organisation, Province, Role
from certification.selectors import has_role
from core.clock import today
from core.models import User
from core.services import log_transition
from oversight import portal
from oversight.models import (
    HighRiskCoverageSnapshot,
    HighRiskProduct,
    HighRiskProductGroup,
    Ministry,
    OutsideCertification,
    PlanActivity,
    PlanTarget,
    PortalRecord,
    TaskGroup,
)

logger = logging.getLogger(__name__)


def _require_regulator(by: User, jurisdiction: Province) -> None:
    if not has_role(by, Role.REGULATOR, jurisdiction):
        raise PermissionDenied(_("Only a regulator of the jurisdiction may do this."))


# --- plan -----------------------------------------------------------------------------------


@transaction.atomic
def plan_target_set(
    *, jurisdiction: Province, code: str, target_value: Decimal, by: User
) -> PlanTarget:
    """Set the target of indicator `code` for `jurisdiction`: the province's own row is
    created from the default the first time, then updated. Logged (previous and new value).

    Raises PermissionDenied unless `by` is a regulator of the jurisdiction, ValidationError
    for an unknown code or a negative value."""
    _require_regulator(by, jurisdiction)
    if target_value is None or Decimal(target_value) < 0:
        raise ValidationError({"target_value": _("Enter a target of zero or more.")})
    default = PlanTarget.objects.filter(jurisdiction=None, code=code).first()
    target = (
        PlanTarget.objects.select_for_update().filter(jurisdiction=jurisdiction, code=code).first()
    )
    if target is None:
        if default is None:
            raise ValidationError({"code": _("Unknown indicator.")})
        target = PlanTarget.objects.create(
            jurisdiction=jurisdiction,
            code=code,
            position=default.position,
            label_vi=default.label_vi,
            label_en=default.label_en,
            target_value=default.target_value,
            unit=default.unit,
            computed=default.computed,
            year_from=default.year_from,
            year_to=default.year_to,
        )
    previous = target.target_value
    target.target_value = Decimal(target_value)
    target.save(update_fields=["target_value", "updated_at"])
    log_transition(
        target,
        "set_target",
        by=by,
        data={"previous": str(previous), "target_value": str(target.target_value)},
    )
    return target


def _store_evidence(file: UploadedFile) -> dict:
    """Validate and store an evidence file as the documents app stores uploads."""
    from documents import storage
    from documents.validation import DocumentRejected, storage_key, validate_upload

    try:
        kind, name = validate_upload(file)
    except DocumentRejected as exc:
        raise ValidationError({"evidence": exc.message}) from exc
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else [file.read()]:
        digest.update(chunk)
    file.seek(0)
    stored = storage.store(storage_key(name), file)
    return {
        "evidence": stored,
        "evidence_name": name,
        "evidence_sha256": digest.hexdigest(),
        "evidence_mime_type": kind.mime_type,
    }


def plan_activity_record(
    *,
    jurisdiction: Province,
    target: PlanTarget | None,
    date: datetime.date,
    description: str,
    quantity: int,
    by: User,
    evidence: UploadedFile | None = None,
    task_group: str = "",
) -> PlanActivity:
    """Record an activity of the plan (a training, a class, an article, a supported model…),
    towards an indicator, or in one of the plan's task groups without a numeric target (or
    both).

    The indicator must be one the system does not compute, and apply to `jurisdiction`; the
    date falls within the plan's years and not after today; quantity ≥ 1. Evidence (PDF,
    Word, Excel, image) is checked and stored like any uploaded document; if saving the row
    fails the stored file is removed. Logged on the activity.

    Raises PermissionDenied (not a regulator of the jurisdiction) or ValidationError."""
    _require_regulator(by, jurisdiction)
    errors: dict[str, str] = {}
    if task_group and task_group not in TaskGroup.values:
        errors["task_group"] = _("Unknown task group.")
    if target is None:
        if not task_group:
            errors["target"] = _("Choose an indicator or a task group.")
    elif target.computed:
        errors["target"] = _("This indicator is computed by the system.")
    elif target.jurisdiction_id not in (None, jurisdiction.pk):
        errors["target"] = _("This indicator belongs to another province.")
    if date is None or date > today():
        errors["date"] = _("The date cannot be in the future.")
    elif target is not None and not target.year_from <= date.year <= target.year_to:
        errors["date"] = _("The date must fall within the plan (%(start)d-%(end)d).") % {
            "start": target.year_from,
            "end": target.year_to,
        }
    if not (description or "").strip():
        errors["description"] = _("This field is required.")
    if not isinstance(quantity, int) or quantity < 1:
        errors["quantity"] = _("Enter a whole number of at least 1.")
    if errors:
        raise ValidationError(errors)
    stored = _store_evidence(evidence) if evidence else {}
    try:
        with transaction.atomic():
            activity = PlanActivity(
                jurisdiction=jurisdiction,
                target=target,
                task_group=task_group,
                date=date,
                description=description.strip(),
                quantity=quantity,
                recorded_by=by,
                **{k: v for k, v in stored.items() if k != "evidence"},
            )
            if stored:
                activity.evidence.name = stored["evidence"]
            activity.save(force_insert=True)
            log_transition(
                activity,
                "record",
                by=by,
                data={
                    "indicator": target.code if target else "",
                    "task_group": task_group,
                    "quantity": quantity,
                    "date": date,
                },
            )
    except BaseException:
        if stored:
            from documents import storage

            storage.discard(stored["evidence"])
        raise
    return activity


@transaction.atomic
def high_risk_group_save(
    *,
    jurisdiction: Province,
    name: str,
    by: User,
    description: str = "",
    certificates: list[Certificate] | None = None,
    enterprises: list[Organisation] | None = None,
    group: HighRiskProductGroup | None = None,
    ministry: str = "",
) -> HighRiskProductGroup:
    """Create (group=None) or update a high-risk product group of `jurisdiction` and set the
    certificates and enterprises covering it: they must be of enterprises of the province.

    Raises PermissionDenied or ValidationError (name missing or taken, coverage outside the
    province)."""
    _require_regulator(by, jurisdiction)
    if ministry and ministry not in Ministry.values:
        raise ValidationError({"ministry": _("Choose a ministry's list.")})
    if group is not None and group.jurisdiction_id != jurisdiction.pk:
        raise PermissionDenied(_("Only a regulator of the jurisdiction may do this."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    certificates = list(certificates or [])
    enterprises = list(enterprises or [])
    if any(c.enterprise.province_id != jurisdiction.pk for c in certificates):
        raise ValidationError({"certificates": _("Choose certificates of this province.")})
    if any(
        e.province_id != jurisdiction.pk or e.kind != Organisation.Kind.ENTERPRISE
        for e in enterprises
    ):
        raise ValidationError({"enterprises": _("Choose enterprises of this province.")})
    action = "create" if group is None else "update"
    try:
        with transaction.atomic():
            if group is None:
                group = HighRiskProductGroup.objects.create(
                    jurisdiction=jurisdiction,
                    name=name,
                    description=description,
                    ministry=ministry or Ministry.OTHER,
                )
            else:
                group.name, group.description = name, description
                group.ministry = ministry or group.ministry
                group.save(update_fields=["name", "description", "ministry", "updated_at"])
    except IntegrityError:
        raise ValidationError(
            {"name": _("A group with this name already exists in the province.")}
        ) from None
    group.certificates.set(certificates)
    group.enterprises.set(enterprises)
    log_transition(
        group,
        action,
        by=by,
        data={
            "certificates": [c.number for c in certificates],
            "enterprises": [e.tax_code for e in enterprises],
        },
    )
    return group


@transaction.atomic
def high_risk_product_add(
    *, group: HighRiskProductGroup, name: str, by: User, certificates=(), enterprises=()
) -> HighRiskProduct:
    """Put a product on the province's high-risk list, in `group`, with what covers it (its
    certificates, enterprises tracing it — of the province). Logged on the group."""
    _require_regulator(by, group.jurisdiction)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    if HighRiskProduct.objects.filter(group=group, name__iexact=name).exists():
        raise ValidationError({"name": _("This product is already on the list of the group.")})
    certificates = list(certificates)
    enterprises = list(enterprises)
    if any(c.enterprise.province_id != group.jurisdiction_id for c in certificates) or any(
        e.province_id != group.jurisdiction_id for e in enterprises
    ):
        raise ValidationError(_("Only certificates and enterprises of the province may cover it."))
    product = HighRiskProduct.objects.create(group=group, name=name)
    product.certificates.set(certificates)
    product.enterprises.set(enterprises)
    log_transition(group, "add_product", by=by, data={"product": name})
    return product


def _coverage_by_group(coverage: dict) -> list[dict]:
    return [
        {
            "group": group["name"],
            "ministry": ministry["code"],
            "total": group["total"],
            "covered": group["covered"],
        }
        for ministry in coverage["by_ministry"]
        for group in ministry["groups"]
    ]


@transaction.atomic
def high_risk_snapshot_take(
    *, jurisdiction: Province, year: int, by: User | None
) -> HighRiskCoverageSnapshot:
    """Freeze the province's high-risk coverage for `year`: on its last day once it is over
    (a past year's snapshot, once taken, is kept), or as of today for the current year (taken
    again, it is updated). Logged. A person must be a regulator of the province; `by=None` is
    the year-end job."""
    from oversight.selectors import high_risk_coverage

    if by is not None:
        _require_regulator(by, jurisdiction)
    now = today()
    if year > now.year:
        raise ValidationError({"year": _("A year to come has no coverage yet.")})
    existing = (
        HighRiskCoverageSnapshot.objects.select_for_update()
        .filter(jurisdiction=jurisdiction, year=year)
        .first()
    )
    if existing is not None and year < now.year and existing.taken_on.year > year:
        return existing
    day = min(datetime.date(year, 12, 31), now)
    coverage = high_risk_coverage(jurisdiction, day)
    values = {
        "taken_on": now,
        "products_total": coverage["total"],
        "products_covered": coverage["covered"],
        "by_group": _coverage_by_group(coverage),
        "taken_by": by,
    }
    snapshot, _created = HighRiskCoverageSnapshot.objects.update_or_create(
        jurisdiction=jurisdiction, year=year, defaults=values
    )
    log_transition(
        snapshot,
        "take",
        by=by,
        data={"covered": coverage["covered"], "total": coverage["total"]},
    )
    return snapshot


def high_risk_snapshots_take_due(day: datetime.date) -> int:
    """Daily job: the snapshot of the year before `day` for every province that lists
    high-risk products and has none yet (idempotent)."""
    year = day.year - 1
    provinces = Province.objects.filter(high_risk_groups__products__isnull=False).exclude(
        high_risk_snapshots__year=year
    )
    made = 0
    for province in provinces.distinct():
        high_risk_snapshot_take(jurisdiction=province, year=year, by=None)
        made += 1
    return made


@transaction.atomic
def outside_certification_record(
    *,
    jurisdiction: Province,
    by: User,
    enterprise_name: str,
    tax_code: str,
    certificate_number: str,
    issuer: str,
    valid_from: datetime.date,
    valid_until: datetime.date,
    standard: str = "",
) -> OutsideCertification:
    """The regulator records a certification of an enterprise of the province by a body outside
    the system (number and issuer), so that "enterprises certified" counts it. Logged."""
    from certification.validators import validate_tax_code

    _require_regulator(by, jurisdiction)
    record = OutsideCertification(
        jurisdiction=jurisdiction,
        enterprise_name=(enterprise_name or "").strip(),
        tax_code=(tax_code or "").strip(),
        certificate_number=(certificate_number or "").strip(),
        issuer=(issuer or "").strip(),
        standard=(standard or "").strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        recorded_by=by,
    )
    errors = {}
    try:
        validate_tax_code(record.tax_code)
    except ValidationError as exc:
        errors["tax_code"] = exc.messages
    if valid_from and valid_until and valid_until <= valid_from:
        errors["valid_until"] = [_("The validity ends after it starts.")]
    if errors:
        raise ValidationError(errors)
    record.full_clean()
    record.save()
    log_transition(
        record,
        "record",
        by=by,
        data={"number": record.certificate_number, "issuer": record.issuer},
    )
    return record


# --- national portal ------------------------------------------------------------------------


def _enqueue_push(record_id: int) -> None:
    """A `portal.push` outbox message in the current transaction: after the commit it hands
    the record to the `push_portal_record` task (which sends a record once, with its
    idempotency key)."""
    from core.outbox import outbox_enqueue

    outbox_enqueue(kind="portal.push", payload={"record_id": record_id})


def portal_record_hand_off(*, record_id: int) -> None:
    """The `portal.push` outbox handler: queue the push task. Raises when the broker cannot
    take it, so the outbox tries again later."""
    from oversight.tasks import push_portal_record

    push_portal_record.delay(record_id)


def portal_record_queue(*, certificate_id: int) -> PortalRecord | None:
    """Queue the portal record of the certificate as it is now and enqueue its push.

    Idempotent: the record is keyed by number, version, state and time of the last change, so
    calling this again for the same state returns the existing record and enqueues nothing.
    Returns None when the certificate does not exist."""
    certificate = portal.certificates_for_export(
        Certificate.objects.filter(pk=certificate_id)
    ).first()
    if certificate is None:
        return None
    key = portal.idempotency_key(certificate)
    existing = PortalRecord.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            record = PortalRecord.objects.create(
                certificate=certificate,
                certificate_version=certificate.version,
                certificate_state=certificate.state,
                schema_version=portal.SCHEMA_VERSION,
                payload=portal.record_for(certificate),
                idempotency_key=key,
            )
            _enqueue_push(record.pk)
    except IntegrityError:  # a concurrent call queued the same state first
        return PortalRecord.objects.get(idempotency_key=key)
    return record


def portal_record_push(*, record_id: int, final_attempt: bool = True) -> str:
    """Send one record to the portal once; returns what happened:

    - "skipped": no portal configured (the record stays pending), or the record is not
      pending (already sent, or failed and not resent) — running twice sends once;
    - "sent": 2xx — status sent, sent_at set;
    - "failed": 4xx (never retried), or a retryable error on the final attempt;
    - "retry": 5xx, 429 or a network error while attempts remain (the task retries later).
    Every attempt counts in `attempts`, and its error in `last_error`."""
    record = PortalRecord.objects.filter(pk=record_id, status=PortalRecord.Status.PENDING).first()
    if record is None or not portal.is_configured():
        return "skipped"
    outcome = portal.post(record.payload, key=record.idempotency_key)
    fields = {"attempts": record.attempts + 1, "last_status_code": outcome.status_code}
    if outcome.ok:
        fields.update(status=PortalRecord.Status.SENT, sent_at=timezone.now(), last_error="")
        result = "sent"
    elif outcome.retryable and not final_attempt:
        fields.update(last_error=outcome.error)
        result = "retry"
    else:
        fields.update(status=PortalRecord.Status.FAILED, last_error=outcome.error)
        result = "failed"
    PortalRecord.objects.filter(pk=record.pk, status=PortalRecord.Status.PENDING).update(
        **fields, updated_at=timezone.now()
    )
    if result == "failed":
        logger.warning("Portal record %s failed: %s", record.pk, outcome.error)
    return result


@transaction.atomic
def portal_record_resend(*, record: PortalRecord, by: User | None) -> PortalRecord:
    """Put a record back in the queue (status pending) and enqueue its push. The payload and
    the idempotency key are those first sent, so the portal recognises a repeat. Logged."""
    locked = PortalRecord.objects.select_for_update().get(pk=record.pk)
    previous = locked.status
    locked.status = PortalRecord.Status.PENDING
    locked.save(update_fields=["status", "updated_at"])
    log_transition(locked, "resend", by=by, previous=previous, target=locked.status)
    _enqueue_push(locked.pk)
    return locked


def portal_push_pending() -> int:
    """Enqueue the push of every pending record (after PORTAL_URL is configured, or by a
    periodic job). Returns how many were enqueued; pushing is idempotent per record."""
    if not portal.is_configured():
        return 0
    ids = list(
        PortalRecord.objects.filter(status=PortalRecord.Status.PENDING)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
    for record_id in ids:
        _enqueue_push(record_id)
    return len(ids)
