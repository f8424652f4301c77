"""Reads about documents, authorised where they fetch.

A user may see a document when they may see its owner:
- enterprise users: owners of their enterprise (applications, certificates, and the audits and
  findings of those);
- cb_staff, assessors and decision makers: owners of their body (and its registrations);
- regulators: owners whose body is in their province (and registrations they decide).
An audit or finding gets its enterprise and body from the audit's application or certificate.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from certification.models import Role
from certification.selectors import jurisdictions_of, organisations_for_role
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


def _scopes(user: User) -> tuple[list[int], list[int], list[int]]:
    """(enterprise ids, body ids, province ids) where `user` holds a role: a few small queries,
    independent of the number of documents."""
    enterprises = list(organisations_for_role(user, Role.ENTERPRISE).values_list("pk", flat=True))
    bodies: set[int] = set()
    for role in (Role.CB_STAFF, Role.ASSESSOR, Role.DECISION_MAKER):
        bodies.update(organisations_for_role(user, role).values_list("pk", flat=True))
    provinces = list(jurisdictions_of(user).values_list("pk", flat=True))
    return enterprises, sorted(bodies), provinces


def _party_filter(prefix: str, enterprises, bodies, provinces) -> Q:
    """Rows whose enterprise/body (reached through `prefix`) the user may see."""
    return (
        Q(**{f"{prefix}enterprise_id__in": enterprises})
        | Q(**{f"{prefix}body_id__in": bodies})
        | Q(**{f"{prefix}body__province_id__in": provinces})
    )


def _audit_filter(prefix: str, enterprises, bodies, provinces) -> Q:
    return _party_filter(f"{prefix}application__", enterprises, bodies, provinces) | _party_filter(
        f"{prefix}certificate__", enterprises, bodies, provinces
    )


def visible_owners(user: User, model: type[models.Model], scopes=None) -> QuerySet:
    """Rows of `model` (an owner kind) that `user` may see."""
    if not user.is_authenticated or not user.is_active:
        return model._default_manager.none()
    enterprises, bodies, provinces = scopes or _scopes(user)
    label = model._meta.label
    if label in ("certification.Application", "certification.Certificate"):
        condition = _party_filter("", enterprises, bodies, provinces)
    elif label == "certification.BodyRegistration":
        condition = (
            Q(body_id__in=bodies)
            | Q(jurisdiction_id__in=provinces)
            | Q(body__province_id__in=provinces)
        )
    elif label == "audits.Audit":
        condition = _audit_filter("", enterprises, bodies, provinces)
    elif label in ("audits.Finding", "audits.TraceTest"):
        condition = _audit_filter("audit__", enterprises, bodies, provinces)
    else:
        return model._default_manager.none()
    return model._default_manager.filter(condition)


def owner_visible_to(user: User, owner: models.Model) -> bool:
    return visible_owners(user, type(owner)).filter(pk=owner.pk).exists()


def documents_visible_to(user: User) -> QuerySet[Document]:
    """Every document version `user` may see and download (one query when evaluated)."""
    if not user.is_authenticated or not user.is_active:
        return Document.objects.none()
    scopes = _scopes(user)
    condition = Q(pk__in=[])
    for code in OWNER_MODELS:
        model = owner_model(code)
        if model is None:
            continue
        condition |= Q(
            content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
            object_id__in=visible_owners(user, model, scopes).values("pk"),
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


def current_documents_of(owner: models.Model) -> list[Document]:
    """The latest version of each type attached to `owner` (one query)."""
    latest: dict[str, Document] = {}
    for document in documents_of(owner):
        latest.setdefault(document.doc_type, document)
    return list(latest.values())


def document_types_of(owner) -> set[str]:
    """Types of the documents currently attached to `owner` (any version)."""
    return set(
        Document.objects.filter(**owner_reference(owner))
        .values_list("doc_type", flat=True)
        .distinct()
    )
