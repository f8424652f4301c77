"""Reads about documents, authorised where they fetch.

A user may see a document exactly when they may see its owner, as the owner's own selector
says (applications_visible_to, certificates_visible_to, registrations_visible_to,
audits_visible_to, findings_visible_to): one rule for the pages, the API and the downloads.
So an assessor reads the reports of the audits they are on, not every audit of their body, and
a regulator's scope follows the enterprise's province like every other selector.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from core.models import User
from documents.models import OWNER_MODELS, Document, owner_reference


def owner_model(owner_type: str) -> type[models.Model] | None:
    """The model behind an `owner_type` code of the upload form, or None when unknown (or
    when the audits app does not define it)."""
    label = OWNER_MODELS.get(owner_type)
    if label is None:
        return None
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def owner_type_of(owner: models.Model) -> str | None:
    label = owner._meta.label
    return next((code for code, model in OWNER_MODELS.items() if model == label), None)


def visible_owners(user: User, model: type[models.Model]) -> QuerySet:
    """Rows of `model` (an owner kind) that `user` may see: exactly what the owner's own
    selector shows them, so a document is never more visible than what it belongs to."""
    if not user.is_authenticated or not user.is_active:
        return model._default_manager.none()
    selector = _owner_selectors().get(model._meta.label)
    if selector is None:
        return model._default_manager.none()
    return selector(user)


def _owner_selectors() -> dict:
    """Owner model label → the selector of the rows a user may see (imported lazily: the
    audits app may not define its models yet)."""
    from certification.selectors import (
        applications_visible_to,
        certificates_visible_to,
        registrations_visible_to,
    )
    from certification.selectors_impartiality import (
        meetings_visible_to,
        risks_visible_to,
    )

    selectors = {
        "certification.Application": applications_visible_to,
        "certification.Certificate": certificates_visible_to,
        "certification.BodyRegistration": registrations_visible_to,
        "certification.ImpartialityRisk": risks_visible_to,
        "certification.CommitteeMeeting": meetings_visible_to,
    }
    try:
        from audits.selectors import (
            audits_visible_to,
            findings_visible_to,
            qualifications_visible_to,
        )
    except ImportError:
        return selectors
    selectors["audits.AssessorQualification"] = qualifications_visible_to
    selectors["audits.Audit"] = audits_visible_to
    selectors["audits.Finding"] = findings_visible_to
    selectors["audits.TraceTest"] = _trace_tests_visible_to
    return selectors


def _trace_tests_visible_to(user: User):
    """A trace test (and its evidence) is exactly as visible as its audit."""
    from audits.models import TraceTest
    from audits.selectors import audits_visible_to

    return TraceTest.objects.filter(audit__in=audits_visible_to(user))


def owner_visible_to(user: User, owner: models.Model) -> bool:
    return visible_owners(user, type(owner)).filter(pk=owner.pk).exists()


def documents_visible_to(user: User) -> QuerySet[Document]:
    """Every document version `user` may see and download (one query when evaluated)."""
    if not user.is_authenticated or not user.is_active:
        return Document.objects.none()
    condition = Q(pk__in=[])
    for code in OWNER_MODELS:
        model = owner_model(code)
        if model is None:
            continue
        condition |= Q(
            content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
            object_id__in=visible_owners(user, model).values("pk"),
        )
    return Document.objects.filter(condition)


def document_get_for_user(user: User, pk: int) -> Document:
    """The document `pk` if `user` may see it; Http404 otherwise (never 403: no leak)."""
    return get_object_or_404(documents_visible_to(user).select_related("content_type"), pk=pk)


def documents_of(owner: models.Model) -> QuerySet[Document]:
    """Every version of every document of `owner`, newest version first within a type."""
    return (
        Document.objects.for_owner(owner)
        .select_related("uploaded_by")
        .order_by("doc_type", "-version")
    )


def latest_kept(versions) -> list:
    """The newest version not removed of each type among `versions` (newest first per type)."""
    latest: dict[str, Document] = {}
    for document in versions:
        if not document.removed:
            latest.setdefault(document.doc_type, document)
    return list(latest.values())


def current_documents_of(owner: models.Model) -> list[Document]:
    """The latest version of each type attached to `owner` and not removed (one query)."""
    return latest_kept(documents_of(owner).kept())


def document_slots(doc_types, versions) -> list[dict]:
    """One slot per type of `doc_types` (in that order) from `versions`, every version of the
    owner newest first (no query): `current` (the latest version not removed, or None: the
    slot is missing), `kept` (every version not removed, newest first) and `versions` (every
    version, removed ones included: the history)."""
    from documents.models import DOC_TYPE_CHOICES

    names = dict(DOC_TYPE_CHOICES)
    by_type: dict[str, list[Document]] = {t: [] for t in doc_types}
    for document in versions:
        if document.doc_type in by_type:
            by_type[document.doc_type].append(document)
    slots = []
    for doc_type, of_type in by_type.items():
        kept = [d for d in of_type if not d.removed]
        slots.append(
            {
                "doc_type": doc_type,
                "label": names.get(doc_type, doc_type),
                "current": kept[0] if kept else None,
                "kept": kept,
                "versions": of_type,
            }
        )
    return slots


def document_types_of(owner) -> set[str]:
    """Types of the documents currently attached to `owner` (any version not removed)."""
    return set(
        Document.objects.filter(**owner_reference(owner))
        .kept()
        .values_list("doc_type", flat=True)
        .distinct()
    )
