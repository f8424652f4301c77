"""PAdES signing of a PDF (pyHanko): an incremental update with an invisible signature field,
SHA-256, and an RFC 3161 timestamp when a timestamper is given."""

import io

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from documents.generation.fonts import nfc

FIELD_NAME = "ChuKySo"


def sign_pdf(
    data: bytes, *, signer, reason: str, location: str, name: str, timestamper=None
) -> bytes:
    """`data` (a PDF) signed by `signer` as a PAdES baseline signature covering the whole file."""
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=nfc(reason),
        location=nfc(location),
        name=nfc(name) or None,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    output = signers.PdfSigner(meta, signer=signer, timestamper=timestamper).sign_pdf(
        writer, output=io.BytesIO()
    )
    return output.getvalue()
