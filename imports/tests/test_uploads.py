"""A file that cannot be read is refused with 400, 413 or 415, and nothing is stored."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports import reading
from imports.kinds import get_kind
from imports.models import ImportBatch

pytestmark = pytest.mark.django_db

URL = reverse("imports:upload", args=["certificates"])


def post(client, name, content):
    return client.post(URL, {"file": SimpleUploadedFile(name, content)})


def test_a_file_over_the_size_limit_is_refused_with_413(client, cb_staff, settings):
    settings.IMPORTS_MAX_BYTES = 2048
    client.force_login(cb_staff)
    response = post(client, "big.csv", reading.template_csv(get_kind("certificates")) + b"x" * 4000)
    assert response.status_code == 413
    assert not ImportBatch.objects.exists()


def test_a_file_that_is_neither_xlsx_nor_csv_is_refused_with_415(client, cb_staff):
    client.force_login(cb_staff)
    assert post(client, "scan.pdf", b"%PDF-1.4 ...").status_code == 415
    assert post(client, "data.csv", "Số giấy chứng nhận\n".encode("utf-16")).status_code == 415
    assert post(client, "fake.xlsx", b"PK\x03\x04not really a zip").status_code == 415
    assert not ImportBatch.objects.exists()


def test_unknown_or_missing_columns_and_empty_files_are_refused_with_400(client, cb_staff):
    client.force_login(cb_staff)
    unknown = post(client, "a.csv", "Số giấy chứng nhận,Cột lạ\nX,Y\n".encode())
    assert unknown.status_code == 400
    assert "Cột lạ" in unknown.content.decode()
    missing = post(client, "b.csv", "Số giấy chứng nhận\nGLCERT-TXNG-2024-0001\n".encode())
    assert missing.status_code == 400
    headers_only = post(client, "c.csv", reading.template_csv(get_kind("certificates")))
    assert headers_only.status_code == 400
    assert not ImportBatch.objects.exists()


def test_more_rows_than_allowed_are_refused(client, cb_staff, settings):
    settings.IMPORTS_MAX_ROWS = 2
    client.force_login(cb_staff)
    text = io.StringIO()
    text.write("Số giấy chứng nhận,Mã số thuế,Sản phẩm,Cơ sở,Công đoạn,Ngày cấp,")
    text.write("Hiệu lực đến,Số quyết định\n")
    for n in range(3):
        text.write(f"N{n},5900189325,A,B,packing,01/01/2025,01/01/2028,{n}/2025/QĐ-GLCERT\n")
    response = post(client, "rows.csv", text.getvalue().encode())
    assert response.status_code == 413
    assert not ImportBatch.objects.exists()


def test_templates_download_in_both_formats_with_the_vietnamese_and_english_headers(
    client, cb_staff
):
    from openpyxl import load_workbook

    client.force_login(cb_staff)
    xlsx = client.get(reverse("imports:template", args=["certificates", "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert sheet["A1"].value == "Số giấy chứng nhận" and sheet["A2"].value == "Certificate number"
    csv = client.get(reverse("imports:template", args=["certificates", "csv"]))
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Số giấy chứng nhận,") and lines[1].startswith("Certificate number,")


def test_people_who_may_not_import_get_403(client, enterprise_user, outsider, lead_assessor):
    for user in (enterprise_user, outsider, lead_assessor):
        client.force_login(user)
        assert client.get(reverse("imports:index")).status_code == 403
        assert client.get(URL).status_code == 403
        assert post(client, "a.csv", b"x").status_code == 403
    assert not ImportBatch.objects.exists()
