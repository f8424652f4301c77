"""Read QR codes in tests with zxing-cpp (a pip wheel), a decoder independent of segno, which
writes them: a code that only our own writer could read would prove nothing."""

import io

import zxingcpp
from PIL import Image


def decode_qr(png: bytes) -> str:
    """The text of the single QR code in a PNG image; fails when there is not exactly one."""
    image = Image.open(io.BytesIO(png))
    image.load()
    results = [
        r for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]
    assert len(results) == 1, f"expected one QR code in the image, found {len(results)}"
    return results[0].text
