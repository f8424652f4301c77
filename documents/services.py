"""Writes about documents: uploads by people, documents the system generates."""

import hashlib
import io
import logging
from collections.abc import Callable
from typing import IO

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.models import Application, BodyRegistration, Certificate, Decision, Role
from certification.selectors import has_role
from core.clock import now as clock_now
from core.exceptions import DomainError
from core.models import User
from core.services import log_transition
from core.workflow import execute, rule
from documents import storage
from documents.models import DOC_TYPE_CHOICES, SYSTEM_TYPES, Document
from documents.validation import KINDS, storage_key, validate_upload

logger = logging.getLogger(__name__)

_CHUNK = 64 * 1024


# --- who may upload -------------------------------------------------------------------------


def audit_parties(audit):
    """(enterprise, body) of an audit, through its application or certificate."""
    subject = audit.application if audit.application_id else audit.certificate
    return subject.enterprise, subject.body


def _on_audit_team(audit, user: User) -> bool:
    member = apps.get_model("audits", "AuditTeamMember")
    return member.objects.filter(audit_id=audit.pk, user_id=user.pk).exists()


@rule(gettext_lazy("You may not add documents here."))
def may_upload(owner: models.Model, user: User) -> bool | str:
    """Who may attach a document to which owner:
    - application: its enterprise's users while draft or revision requested; its body's staff;
    - body registration and certificate: the body's staff;
    - audit: assessors on the audit team;
    - finding: the audited enterprise's users, and assessors on the audit team;
    - trace test: assessors on the audit team (the evidence of the trace);
    - competence record and witnessing record: officers of a body where the person works;
    - impartiality risk and committee meeting: the body's officers.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if isinstance(owner, Application):
        if has_role(user, Role.CB_STAFF, owner.body):
            return True
        if has_role(user, Role.ENTERPRISE, owner.enterprise):
            return _closed_to_applicant(owner) or True
        return False
    if isinstance(owner, BodyRegistration | Certificate):
        return has_role(user, Role.CB_STAFF, owner.body)
    label = owner._meta.label
    if label in ("certification.ImpartialityRisk", "certification.CommitteeMeeting"):
        return has_role(user, Role.CB_STAFF, owner.body)
    if label in ("audits.AssessorQualification", "audits.WitnessedAudit"):
        from audits.services_people import may_manage_competence

        return may_manage_competence(user, owner.user)
    if label == "audits.Audit":
        _enterprise, body = audit_parties(owner)
        return has_role(user, Role.ASSESSOR, body) and _on_audit_team(owner, user)
    if label == "audits.TraceTest":
        _enterprise, body = audit_parties(owner.audit)
        return has_role(user, Role.ASSESSOR, body) and _on_audit_team(owner.audit, user)
    if label == "audits.Finding":
        enterprise, body = audit_parties(owner.audit)
        if has_role(user, Role.ENTERPRISE, enterprise):
            return True
        return has_role(user, Role.ASSESSOR, body) and _on_audit_team(owner.audit, user)
    return False


def upload_closed(owner: models.Model, user: User) -> str | None:
    """Why `user`, who could add documents to `owner` in another state, may not now (None
    when the state allows it or the user could not anyway): an answer of 409, not 403."""
    if not isinstance(owner, Application) or not user.is_authenticated:
        return None
    closed = _closed_to_applicant(owner)
    if closed is None or has_role(user, Role.CB_STAFF, owner.body):
        return None
    return closed if has_role(user, Role.ENTERPRISE, owner.enterprise) else None


def _closed_to_applicant(application: Application) -> str | None:
    """Why the applicant may not change the application's documents in its state, or None."""
    if application.state in (Application.State.DRAFT, Application.State.REVISION_REQUESTED):
        return None
    return _("Documents can be added only while the application is a draft or back for revision.")


def _check_may_change(owner: models.Model, user: User) -> None:
    """DomainError (409) when the owner's state forbids a change of its documents for a user
    who may otherwise make it; PermissionDenied (403) when the user may not."""
    closed = upload_closed(owner, user)
    if closed:
        raise DomainError(closed, code="not_editable")
    refused = may_upload.reason(owner, user)
    if refused:
        raise PermissionDenied(refused)


# --- storing ------------------------------------------------------------------------------


def _sha256(content: IO[bytes]) -> str:
    digest = hashlib.sha256()
    content.seek(0)
    chunks = (
        content.chunks(_CHUNK)
        if hasattr(content, "chunks")
        else iter(lambda: content.read(_CHUNK), b"")
    )
    for chunk in chunks:
        digest.update(chunk)
    content.seek(0)
    return digest.hexdigest()


def _lock_owner(owner: models.Model) -> None:
    # Serialises new versions of one owner's documents (the unique constraint is the backstop).
    list(type(owner)._default_manager.select_for_update().filter(pk=owner.pk).values_list("pk"))


def _next_version(owner: models.Model, doc_type: str) -> int:
    top = Document.objects.for_owner(owner).of_type(doc_type).aggregate(top=Max("version"))["top"]
    return (top or 0) + 1


def _create(owner: models.Model, stored_name: str, doc_type: str, **fields) -> Document:
    document = Document.for_owner(
        owner, doc_type=doc_type, version=_next_version(owner, doc_type), **fields
    )
    document.file.name = stored_name
    document.save(force_insert=True)
    return document


def document_upload(
    *, owner: models.Model, doc_type: str, file: UploadedFile, by: User
) -> Document:
    """Attach an uploaded file to `owner` as the next version of `doc_type`.

    1. the owner's state lets `by` add documents (upload_closed) → else DomainError (409);
       `by` may upload to `owner` (may_upload) → else PermissionDenied (403);
    2. `doc_type` is a known type a person may upload → else ValidationError;
    3. size, type from the bytes, name → DocumentTooLarge (413) / UnsupportedDocumentType
       (415) before anything is stored;
    4. SHA-256 computed in chunks; the file stored under a key nobody can guess;
    5. the row inserted (owner locked, version = last + 1); if that fails the stored object is
       deleted and the error re-raised.
    Older versions are kept. A rejected upload leaves neither an object nor a row.
    """
    return document_upload_many(owner=owner, doc_type=doc_type, files=[file], by=by)[0]


def _check_doc_type(doc_type: str) -> None:
    if doc_type not in dict(DOC_TYPE_CHOICES) or doc_type in SYSTEM_TYPES:
        raise ValidationError({"doc_type": _("Choose a valid document type.")})


def document_upload_many(
    *,
    owner: models.Model,
    doc_type: str,
    files: list[UploadedFile],
    by: User,
    replaces: Document | None = None,
) -> list[Document]:
    """Attach several files to `owner`, each the next version of `doc_type`, all or none:
    every file is checked (size, type, name) before the first is stored, and a failure
    while storing or inserting discards what was stored. The owner's state (DomainError,
    409) and the user's right (PermissionDenied, 403) are checked first.

    `replaces`: the version these files replace (same owner and type), marked removed in the
    same transaction — a wrong file corrected, its record kept."""
    if not files:
        raise ValidationError({"file": _("Choose at least one file.")})
    _check_may_change(owner, by)
    _check_doc_type(doc_type)
    checked = [(file, *validate_upload(file)) for file in files]
    stored: list[str] = []
    try:
        prepared = []
        for file, kind, name in checked:
            checksum = _sha256(file)
            stored.append(storage.store(storage_key(name), file))
            prepared.append((stored[-1], checksum, file.size, kind, name))
        with transaction.atomic():
            _lock_owner(owner)
            documents = [
                _create(
                    owner,
                    stored_name,
                    doc_type,
                    sha256=checksum,
                    size=size,
                    mime_type=kind.mime_type,
                    original_name=name,
                    uploaded_by=by,
                )
                for stored_name, checksum, size, kind, name in prepared
            ]
            if replaces is not None:
                _mark_removed(
                    replaces,
                    by=by,
                    action="document_replaced",
                    note=_("replaced by version %(version)d") % {"version": documents[0].version},
                )
            return documents
    except BaseException:
        for name in stored:
            storage.discard(name)
        raise


def _mark_removed(document: Document, *, by: User, action: str, note: str = "") -> Document:
    """Make the `remove` transition of `document` (in the caller's transaction) for `by`: its
    log says who and when; the owner's history says which version left its slot. The file
    and the row stay."""

    def prepare(locked: Document) -> list[str]:
        locked.removed_at = clock_now()
        locked.removed_by = by
        locked.removed_note = note[:200]
        return ["removed_at", "removed_by", "removed_note"]

    def on_owner(locked: Document, entry) -> None:
        owner = locked.owner
        state = str(getattr(owner, "state", "") or "")
        log_transition(
            owner,
            action,
            by=by,
            previous=state,
            target=state,
            comment=f"{locked.get_doc_type_display()}: {locked.original_name} (v{locked.version})"
            + (f" — {note}" if note else ""),
            data={"document": locked.pk, "doc_type": locked.doc_type, "version": locked.version},
        )

    return execute(document, "remove", by=by, comment=note[:200], prepare=prepare, after=on_owner)


def _check_removable(document: Document, by: User) -> models.Model:
    owner = document.owner
    _check_may_change(owner, by)
    if document.generated or document.doc_type in SYSTEM_TYPES:
        raise PermissionDenied(_("A document the system made cannot be removed or replaced."))
    if document.removed:
        raise DomainError(_("This document was already removed."), code="invalid_state")
    return owner


def document_remove(*, document: Document, by: User) -> Document:
    """Take a wrong file out of its slot: the version is marked removed (who, when) and stays
    in the history with its file; it no longer counts as attached (e.g. for the documents an
    application must carry). Only who may upload to the owner, and only while its state allows
    uploading (DomainError 409 otherwise; PermissionDenied 403 for anyone else)."""
    _check_removable(document, by)
    with transaction.atomic():
        _lock_owner(document.owner)
        return _mark_removed(document, by=by, action="document_removed")


def document_replace(*, document: Document, file: UploadedFile, by: User) -> Document:
    """A new version of `document`'s type from `file`, the replaced version marked removed
    (its file kept). Same rules as document_upload and document_remove."""
    owner = _check_removable(document, by)
    return document_upload_many(
        owner=owner, doc_type=document.doc_type, files=[file], by=by, replaces=document
    )[0]


def document_store_read(
    *,
    owner: models.Model,
    doc_type: str,
    name: str,
    content: bytes,
    mime_type: str,
    by: User,
) -> Document:
    """Store bytes another app has already read and validated (e.g. an EPCIS document) as the
    next version of `doc_type` for `owner`, uploaded by `by`. The caller checks who may do it.
    If inserting the row fails the stored object is deleted; a caller whose own transaction
    fails later deletes it with `documents.storage.discard(document.file.name)`."""
    stored_name = storage.store(storage_key(name), io.BytesIO(content))
    try:
        with transaction.atomic():
            _lock_owner(owner)
            document = _create(
                owner,
                stored_name,
                doc_type,
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
                mime_type=mime_type,
                original_name=name,
                uploaded_by=by,
            )
    except BaseException:
        storage.discard(stored_name)
        raise
    return document


def document_generate(
    *,
    owner: models.Model,
    doc_type: str,
    source_key: str,
    name: str,
    render: Callable[[], bytes],
    mime_type: str = KINDS["docx"].mime_type,
    after: Callable[[Document], None] | None = None,
) -> Document:
    """The generated document identified by `source_key`, made once.

    Idempotent: when a document with `source_key` exists it is returned and nothing is
    rendered or stored; a concurrent run that loses the race deletes its stored object and
    returns the winner's document. Otherwise `render()` makes the bytes (.docx unless
    `mime_type` says otherwise), which are stored as the next version of `doc_type` for `owner`
    (generated=True, no uploader); `after(document)` then runs in the same transaction.
    """
    existing = Document.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing
    content = render()
    stream = io.BytesIO(content)
    stored_name = storage.store(storage_key(name), stream)
    try:
        with transaction.atomic():
            _lock_owner(owner)
            existing = Document.objects.filter(source_key=source_key).first()
            if existing is not None:
                storage.discard(stored_name)
                return existing
            document = _create(
                owner,
                stored_name,
                doc_type,
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
                mime_type=mime_type,
                original_name=name,
                generated=True,
                source_key=source_key,
            )
            if after is not None:
                after(document)
            return document
    except IntegrityError:
        storage.discard(stored_name)
        existing = Document.objects.filter(source_key=source_key).first()
        if existing is None:
            raise
        return existing
    except BaseException:
        storage.discard(stored_name)
        raise


def _file_stem(number: str) -> str:
    return number.replace("/", "-")


def document_generate_certificate(*, certificate_id: int) -> Document:
    """The certificate's .docx (owner: the certificate), once per certificate version (and
    once more after each restoration)."""
    from documents.generation.certificate import render_certificate

    certificate = Certificate.objects.select_related(
        "enterprise__province", "body__province", "scheme", "decision__decision_maker"
    ).get(pk=certificate_id)
    return document_generate(
        owner=certificate,
        doc_type="certificate",
        # A restoration changes the face of the same certificate version: a new document.
        source_key=f"certificate:{certificate.pk}:v{certificate.version}"
        + (f":r{certificate.restored_on:%Y%m%d}" if certificate.restored_on else ""),
        name=f"giay-chung-nhan-{_file_stem(certificate.number)}.docx",
        render=lambda: render_certificate(certificate),
    )


def document_generate_decision(*, decision_id: int) -> Document:
    """The certification decision's .docx (owner: the application decided), once."""
    from documents.generation.decision import render_decision

    decision = Decision.objects.select_related(
        "application__enterprise__province",
        "application__body__province",
        "application__scheme",
        "decision_maker",
    ).get(pk=decision_id)
    certificate = Certificate.objects.filter(decision=decision).order_by("version", "id").first()
    stem = _file_stem(decision.number or decision.application.number)
    return document_generate(
        owner=decision.application,
        doc_type="decision",
        source_key=f"decision:{decision.pk}",
        name=f"quyet-dinh-{stem}.docx",
        render=lambda: render_decision(decision, certificate),
    )


def document_generate_audit_report(*, audit_id: int) -> Document:
    """The audit report's .docx (owner: the audit), once per audit."""
    from documents.generation.audit_report import audit_for_report, render_audit_report

    audit = audit_for_report(audit_id)
    return document_generate(
        owner=audit,
        doc_type="audit_report",
        source_key=f"audit_report:{audit.pk}",
        name=f"bao-cao-danh-gia-{_file_stem(audit.subject.number)}-{audit.kind}.docx",
        render=lambda: render_audit_report(audit),
    )


def findings_state_key(audit) -> str:
    """What the findings of `audit` look like now, as a short key: the newest log entry of
    any of its findings (each change of a finding is logged), or 0 when none changed."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Max

    from audits.models import Finding
    from core.models import LogEntry

    finding_ids = [
        str(pk) for pk in Finding.objects.filter(audit=audit).values_list("pk", flat=True)
    ]
    latest = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Finding), object_id__in=finding_ids
    ).aggregate(latest=Max("id"))["latest"]
    return str(latest or 0)


def document_generate_findings_report(*, audit_id: int) -> Document:
    """The findings report's .docx (owner: the audit), once per state of the findings: a new
    version after every change of a finding (response, plan accepted, verification…), so the
    current version never says “open” of a finding that is closed."""
    from documents.generation.audit_report import audit_for_report, render_findings_report

    audit = audit_for_report(audit_id)
    return document_generate(
        owner=audit,
        doc_type="findings_report",
        source_key=f"findings_report:{audit.pk}:{findings_state_key(audit)}",
        name=f"bao-cao-phat-hien-{_file_stem(audit.subject.number)}-{audit.kind}.docx",
        render=lambda: render_findings_report(audit),
    )


def documents_enqueue_missing(*, limit: int = 500) -> int:
    """The sweep for lost documents: every certificate without its certificate document, and
    every decision of a certificate without its decision document, gets an outbox message
    again (a message already pending is left as it is; one delivered although its document is
    gone is put back to pending; a failed one waits for an administrator). Returns how many
    certificates were found missing a document (at most `limit` per run)."""
    from django.db.models import CharField, Exists, OuterRef, Q, Value
    from django.db.models.functions import Cast, Concat

    from core.models import OutboxMessage
    from core.outbox import outbox_retry
    from documents.receivers import enqueue_certificate_documents

    certificate_key = Concat(
        Value("certificate:"),
        Cast(OuterRef("pk"), CharField()),
        Value(":v"),
        Cast(OuterRef("version"), CharField()),
        output_field=CharField(),
    )
    decision_key = Concat(
        Value("decision:"), Cast(OuterRef("decision_id"), CharField()), output_field=CharField()
    )
    missing = list(
        Certificate.objects.annotate(
            has_certificate=Exists(Document.objects.filter(source_key=certificate_key)),
            has_decision=Exists(Document.objects.filter(source_key=decision_key)),
        )
        .filter(Q(has_certificate=False) | Q(has_decision=False, decision__isnull=False))
        .only("pk", "decision_id")
        .order_by("pk")[:limit]
    )
    for certificate in missing:
        with transaction.atomic():
            enqueue_certificate_documents(certificate)
            keys = [f"documents.certificate:{certificate.pk}"]
            if certificate.decision_id:
                keys.append(f"documents.decision:{certificate.decision_id}")
            for message in OutboxMessage.objects.filter(
                dedupe_key__in=keys, status=OutboxMessage.Status.DELIVERED
            ):
                outbox_retry(message=message)
    return len(missing)
