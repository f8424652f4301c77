"""Reads of the signing app."""

from signing.models import SignedPdf


def current_signed_pdf(certificate) -> SignedPdf | None:
    """The newest signed edition of `certificate` (one query), or None."""
    return (
        SignedPdf.objects.select_related("document")
        .filter(certificate=certificate)
        .order_by("-edition")
        .first()
    )
