import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.tests import factories
from documents.validation import (
    DocumentTooLarge,
    UnsupportedDocumentType,
    detect_kind,
    sanitise_name,
    storage_key,
    validate_upload,
)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\an\\Báo cáo.pdf", "Báo cáo.pdf"),
        (
            "Quy trình truy xuất nguồn gốc - bản 2.docx",
            "Quy trình truy xuất nguồn gốc - bản 2.docx",
        ),
        ("bad\x00name\x1f\n.pdf", "bad name.pdf"),
        ("invoice\u202efdp.exe", "invoice fdp.exe"),
        ('a<b>c:"d"|e?*.pdf', "a_b_c__d__e__.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        ("   ", "document"),
        (".pdf", "pdf"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
    ],
)
def test_file_names_are_sanitised_and_keep_vietnamese_letters(sent, kept):
    assert sanitise_name(sent) == kept


def test_decomposed_vietnamese_letters_are_recomposed():
    decomposed = "Ho\u0302\u0300 so\u031b\u0309.pdf"  # Hồ sở typed with combining marks
    assert sanitise_name(decomposed) == "Hồ sở.pdf"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (factories.PDF, "pdf"),
        (factories.docx_bytes(), "docx"),
        (factories.xlsx_like_bytes(), "xlsx"),
        (factories.png_bytes(), "png"),
        (factories.jpeg_bytes(), "jpeg"),
        (factories.plain_zip_bytes(), None),
        (factories.ELF, None),
        (factories.MZ, None),
        (b"plain text", None),
    ],
)
def test_the_type_is_detected_from_the_bytes(content, kind):
    detected = detect_kind(io.BytesIO(content))
    assert (detected.code if detected else None) == kind


def test_an_executable_named_pdf_is_refused():
    with pytest.raises(UnsupportedDocumentType):
        validate_upload(SimpleUploadedFile("bao-cao.pdf", factories.ELF, "application/pdf"))


def test_a_pdf_named_docx_is_refused_because_its_name_contradicts_its_bytes():
    with pytest.raises(UnsupportedDocumentType):
        validate_upload(SimpleUploadedFile("bao-cao.docx", factories.PDF))


def test_a_file_without_extension_gets_the_one_of_its_type():
    kind, name = validate_upload(SimpleUploadedFile("bao-cao", factories.PDF))
    assert (kind.code, name) == ("pdf", "bao-cao.pdf")


def test_an_upper_case_jpg_extension_is_accepted_for_a_jpeg():
    kind, name = validate_upload(SimpleUploadedFile("ANH.JPG", factories.jpeg_bytes()))
    assert (kind.code, name) == ("jpeg", "ANH.JPG")


def test_a_type_left_out_of_the_allowed_setting_is_refused(settings):
    settings.DOCUMENT_ALLOWED_TYPES = ["pdf"]
    with pytest.raises(UnsupportedDocumentType):
        validate_upload(SimpleUploadedFile("anh.png", factories.png_bytes()))


def test_a_file_over_the_size_setting_is_refused(settings):
    settings.DOCUMENT_MAX_BYTES = 10
    with pytest.raises(DocumentTooLarge):
        validate_upload(SimpleUploadedFile("a.pdf", factories.PDF))


def test_storage_keys_are_not_guessable():
    first, second = storage_key("a.pdf"), storage_key("a.pdf")
    assert first != second
    parts = first.split("/")
    assert parts[0] == "documents" and len(parts[1]) == 4 and len(parts[2]) == 32
    assert parts[3] == "a.pdf"
