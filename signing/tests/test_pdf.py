"""The PDF certificate and decision: what a reader (or a program) finds in the file."""

import io
import unicodedata

import pytest
import zxingcpp
from pypdf import PdfReader

from documents.generation.certificate import verification_url
from documents.generation.certificate_pdf import render_certificate_pdf
from documents.generation.decision_pdf import render_decision_pdf

pytestmark = pytest.mark.django_db


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


def qr_codes_of(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    found = []
    for page in reader.pages:
        for image in page.images:
            found += [result.text for result in zxingcpp.read_barcodes(image.image)]
    return found


def test_the_certificate_pdf_carries_the_holder_with_diacritics_number_and_decision_as_text(
    issued_certificate,
):
    issued_certificate.enterprise.name = "Công ty Cổ phần Sầu riêng và Hồ tiêu Ia Grai"
    text = text_of(render_certificate_pdf(issued_certificate))
    assert "Công ty Cổ phần Sầu riêng và Hồ tiêu Ia Grai" in text
    assert "GLCERT-TXNG-2026-0001" in text
    assert issued_certificate.decision.number in text
    assert "GIẤY CHỨNG NHẬN" in text
    assert "TCVN 12850:2019" in text
    assert "Cà phê nhân Robusta" in text


def test_decomposed_accents_are_written_composed(issued_certificate):
    issued_certificate.enterprise.name = unicodedata.normalize("NFD", "Hợp tác xã Ê Đê")
    assert "Hợp tác xã Ê Đê" in text_of(render_certificate_pdf(issued_certificate))


def test_the_certificate_qr_code_decodes_to_the_verification_url(issued_certificate):
    codes = qr_codes_of(render_certificate_pdf(issued_certificate))
    assert codes == [verification_url("GLCERT-TXNG-2026-0001")]
    assert codes[0].endswith("/verify/GLCERT-TXNG-2026-0001/")


def test_the_signature_block_names_the_signer_and_title(issued_certificate, decider):
    decider.full_name = "Võ Quang Vinh"
    decider.save(update_fields=["full_name"])
    issued_certificate.decision.refresh_from_db()
    text = text_of(render_certificate_pdf(issued_certificate))
    assert "Võ Quang Vinh" in text
    assert "GIÁM ĐỐC" in text
    assert "ĐẠI DIỆN TỔ CHỨC CHỨNG NHẬN" in text


def test_a_certificate_signed_with_a_demo_key_says_it_has_no_legal_value(issued_certificate):
    assert "không có giá trị pháp lý" in text_of(
        render_certificate_pdf(issued_certificate, demo=True)
    )
    assert "không có giá trị pháp lý" not in text_of(render_certificate_pdf(issued_certificate))


def test_the_certificate_is_pdf_a_2b_with_its_fonts_embedded(issued_certificate):
    data = render_certificate_pdf(issued_certificate)
    reader = PdfReader(io.BytesIO(data))
    assert b"pdfaid:part" in data and b"pdfaid:conformance" in data
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        descendant = ref.get_object()["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"]
    assert len(reader.pages) == 1


def test_the_body_logo_uploaded_on_the_body_is_drawn(issued_certificate, tmp_path):
    from django.core.files.base import ContentFile

    from documents.tests.factories import png_bytes

    body = issued_certificate.body
    body.logo.save("logo.png", ContentFile(png_bytes()), save=True)
    data = render_certificate_pdf(issued_certificate)
    # The logo and the QR code: two images on the page.
    assert len(PdfReader(io.BytesIO(data)).pages[0].images) == 2


def test_the_decision_pdf_is_in_the_administrative_layout(issued_certificate):
    decision = issued_certificate.decision
    text = text_of(render_decision_pdf(decision, issued_certificate))
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert f"Số: {decision.number}" in text
    assert "QUYẾT ĐỊNH" in text
    assert "Điều 1." in text and "Điều 3." in text
    assert "GLCERT-TXNG-2026-0001" in text
    assert "Nơi nhận:" in text
    assert issued_certificate.enterprise.name in text


def test_the_certificate_pdf_prints_the_certificate_face_of_the_integrity_rules(
    issued_certificate,
):
    import datetime

    body = issued_certificate.body
    body.accreditation_body = "Văn phòng Công nhận Chất lượng"
    body.accreditation_number = "VICAS 123"
    issued_certificate.sector_standard = "TCVN 13773:2023"
    issued_certificate.initially_certified_on = datetime.date(2023, 3, 5)
    decision = issued_certificate.decision
    decision.signer_name = "Nguyễn Văn Ký"
    decision.signer_title = "Phó Giám đốc"
    text = text_of(render_certificate_pdf(issued_certificate))
    assert "TCVN 13773:2023" in text
    assert "05/03/2023" in text  # initial certification
    assert "VICAS 123" in text
    assert "Nguyễn Văn Ký" in text
    assert "PHÓ GIÁM ĐỐC" in text
