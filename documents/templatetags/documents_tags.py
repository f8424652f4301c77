"""`{% documents_panel owner %}`: an owner's current documents and, for those allowed, the
upload form. Other apps' detail pages include it."""

from django import template

from documents.models import DOC_TYPE_CHOICES, SYSTEM_TYPES
from documents.selectors import current_documents_of, documents_of, owner_type_of
from documents.services import may_upload

register = template.Library()


@register.inclusion_tag("documents/partials/documents.html", takes_context=True)
def documents_panel(context, owner, doc_types=None, upload=True, every_version=False):
    """`doc_types`: the types to offer in the form (default: every type a person may upload).
    `every_version=True` lists every file (evidence: several files of one type), not only the
    latest version of each type. `upload=False` leaves the upload form out (the page takes
    files in a form of its own).
    The page must already have authorised `owner` for the user."""
    request = context.get("request")
    user = getattr(request, "user", None)
    offered = [(v, label) for v, label in DOC_TYPE_CHOICES if v not in SYSTEM_TYPES]
    if doc_types:
        offered = [(v, label) for v, label in offered if v in doc_types]
    return {
        "request": request,
        "owner": owner,
        "owner_type": owner_type_of(owner),
        "documents": list(documents_of(owner)) if every_version else current_documents_of(owner),
        "doc_types": offered,
        "may_upload": upload and user is not None and may_upload(owner, user),
    }
