"""`{% documents_panel owner %}`: an owner's documents and, for those allowed, the upload
component (several files at once, drag and drop, the phone's camera, a progress bar and a
preview per file, replace and remove). Other apps' detail pages include it.

Without JavaScript every part is a plain form (POST and redirect back); documents/upload.js
(core/static/core/upload.js) sends the same forms with XMLHttpRequest, one file a request, and
refreshes the parts of the page marked `data-upload-refresh` when they are done."""

from django import template

from documents.models import DOC_TYPE_CHOICES, SYSTEM_TYPES, GeneratedType
from documents.selectors import document_slots, documents_of, latest_kept, owner_type_of
from documents.services import may_upload
from documents.validation import allowed_types

register = template.Library()

# Types of which an owner keeps several files side by side (not versions of one file).
MULTI_TYPES = frozenset({"general", "legal_documents", GeneratedType.EVIDENCE})
_ACCEPT = {
    "pdf": ".pdf,application/pdf",
    "docx": ".docx",
    "xlsx": ".xlsx",
    "jpeg": ".jpg,.jpeg,image/jpeg",
    "png": ".png,image/png",
}


def accept_attribute() -> str:
    """The file input's `accept`: the types the server takes (DOCUMENT_ALLOWED_TYPES)."""
    return ",".join(_ACCEPT[code] for code in allowed_types() if code in _ACCEPT)


def takes_photos() -> bool:
    return bool({"jpeg", "png"} & set(allowed_types()))


@register.inclusion_tag("documents/partials/documents.html", takes_context=True)
def documents_panel(
    context,
    owner,
    doc_types=None,
    upload=True,
    every_version=False,
    slots=None,
    optional=(),
):
    """`doc_types`: the types to offer in the form (default: every type a person may upload).
    `every_version=True` lists every file (evidence: several files of one type), not only the
    latest version of each type. `upload=False` leaves the upload form out (the page takes
    files in a form of its own). `slots`: show one slot per type instead (its state, its file,
    its own input: one choice of a file attaches it), e.g. the documents a scheme requires;
    those in `optional` are not said to be missing.
    The page must already have authorised `owner` for the user. One query for the documents
    whatever their number (plus the permission check)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    offered = [(v, label) for v, label in DOC_TYPE_CHOICES if v not in SYSTEM_TYPES]
    if doc_types:
        offered = [(v, label) for v, label in offered if v in doc_types]
    allowed = bool(upload and user is not None and may_upload(owner, user))
    base = {
        "request": request,
        "owner": owner,
        "owner_type": owner_type_of(owner),
        "may_upload": allowed,
        "accept": accept_attribute(),
        "camera": takes_photos(),
        "next": request.get_full_path() if request is not None else "",
    }
    versions = list(documents_of(owner).select_related("removed_by"))
    if slots:
        rows = document_slots(list(slots), versions)
        for slot in rows:
            slot["multiple"] = slot["doc_type"] in MULTI_TYPES
            slot["required"] = slot["doc_type"] not in optional
        # What the owner carries besides its slots (e.g. the decision the system wrote).
        others = latest_kept(d for d in versions if d.doc_type not in slots)
        return {**base, "slots": rows, "others": others}
    documents = [d for d in versions if not d.removed] if every_version else latest_kept(versions)
    return {
        **base,
        "documents": documents,
        "history": versions,
        "doc_types": offered,
        # One type offered: no choice to make, the files go to it.
        "doc_type": offered[0][0] if len(offered) == 1 else "",
        "multiple": True,
    }
