"""PAdES signing of a PDF (pyHanko): an incremental update with an invisible signature field,
SHA-256, and an RFC 3161 timestamp when a timestamper is given."""

import io

from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import load_der_private_key
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from documents.generation.fonts import nfc

FIELD_NAME = "ChuKySo"
# Room for the CMS signature without a timestamp (a 2048- or 4096-bit RSA signature with a
# chain of three certificates fits): no dry run to measure it.
BYTES_RESERVED = 16 * 1024


class KeptKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses the private key again for every signature, and OpenSSL 3
    checks an RSA key on every load (most of the signing time): this one parses it once."""

    _loaded_key = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:
            algorithm = mechanism["algorithm"].native
        if algorithm != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        if self._loaded_key is None:
            self._loaded_key = load_der_private_key(self.signing_key.dump(), password=None)
        return self._loaded_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


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
        writer,
        output=io.BytesIO(),
        bytes_reserved=None if timestamper is not None else BYTES_RESERVED,
    )
    return output.getvalue()
