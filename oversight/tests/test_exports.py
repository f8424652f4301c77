import datetime
import io
import json

import docx
import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from core.clock import as_of
from oversight import exports, portal
from oversight.models import PlanTarget
from oversight.services import plan_activity_record

pytestmark = pytest.mark.django_db


def test_the_portal_export_writes_one_documented_record_per_certificate(dataset, tmp_path):
    output = tmp_path / "out" / "portal.json"

    call_command("export_portal", output=str(output), stderr=io.StringIO())

    records = json.loads(output.read_text(encoding="utf-8"))
    assert len(records) == 8  # seven in Gia Lai, one in Kon Tum
    assert {r["schema_version"] for r in records} == {portal.SCHEMA_VERSION}
    by_number = {r["certificate"]["number"]: r for r in records}
    withdrawn = by_number[dataset.cert_b.number]
    assert withdrawn["certificate"]["state"] == "withdrawn"
    assert withdrawn["enterprise"]["tax_code"] == dataset.cert_b.enterprise.tax_code
    assert withdrawn["body"]["code"] == "GLCERT"
    assert withdrawn["body"]["registration_number"] == "01/2026/ĐK"
    assert withdrawn["scope"]["products"][0]["gtin"]
    assert not list(output.parent.glob("*.part"))


def test_the_portal_export_of_one_province_as_json_lines(dataset, tmp_path):
    output = tmp_path / "kon-tum.jsonl"

    call_command(
        "export_portal",
        output=str(output),
        province=["kon-tum"],
        jsonl=True,
        stderr=io.StringIO(),
    )

    lines = output.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["certificate"]["number"] for line in lines] == [dataset.cert_k.number]


def test_the_portal_export_to_standard_output_is_valid_json(dataset):
    out = io.StringIO()
    call_command(
        "export_portal", output="-", province=["gia-lai"], stdout=out, stderr=io.StringIO()
    )
    assert len(json.loads(out.getvalue())) == 7


def test_an_empty_portal_export_is_an_empty_array(db, tmp_path):
    output = tmp_path / "empty.json"
    call_command("export_portal", output=str(output), stderr=io.StringIO())
    assert json.loads(output.read_text()) == []


def test_an_unknown_province_stops_the_export(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("export_portal", output=str(tmp_path / "x.json"), province=["atlantis"])


@pytest.fixture
def activities(province, regulator):
    with as_of(datetime.date(2026, 11, 20)):
        for code, quantity in (("articles", 2), ("conferences", 1), ("articles", 1)):
            plan_activity_record(
                jurisdiction=province,
                target=PlanTarget.objects.get(jurisdiction=None, code=code),
                date=datetime.date(2026, 5, 5),
                description=f"Hoạt động {code}",
                quantity=quantity,
                by=regulator,
            )


def test_the_annual_report_in_word_is_a4_times_new_roman_with_the_year_s_figures(
    dataset, province, activities
):
    document = docx.Document(io.BytesIO(exports.annual_report_docx(province, 2026)))

    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert document.styles["Normal"].font.name == "Times New Roman"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "NĂM 2026" in text
    indicators = document.tables[0]
    rows = {row.cells[1].text.split("\n")[0]: row for row in indicators.rows[1:]}
    articles = rows[PlanTarget.objects.get(jurisdiction=None, code="articles").label_vi]
    assert [c.text for c in articles.cells[2:6]] == ["5 tin, bài", "3", "3", "60 %"]
    activity_rows = document.tables[1].rows[1:]
    assert len(activity_rows) == 3
    assert activity_rows[0].cells[0].text == "05/05/2026"


def test_the_annual_report_in_excel_matches_the_plan_progress(dataset, province, activities):
    workbook = load_workbook(io.BytesIO(exports.annual_report_xlsx(province, 2026)))

    indicators = {
        row[0]: row for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)
    }
    assert len(indicators) == 9
    assert indicators["articles"][4:8] == (5, 3, 3, 60)
    assert indicators["conferences"][5] == 1
    # Enterprises certified during 2026: A and B (granted today) and F2 if issued in 2026.
    issued_2026 = {
        c.enterprise_id
        for c in (dataset.cert_a, dataset.cert_b, dataset.cert_f2)
        if c.issued_on.year == 2026
    }
    assert indicators["enterprises_certified"][5] == len(issued_2026)
    activities_sheet = workbook.worksheets[2]
    dates = [r[0] for r in activities_sheet.iter_rows(min_row=2, values_only=True)]
    assert [d.date() for d in dates] == [datetime.date(2026, 5, 5)] * 3
    summary = dict(workbook.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert len(summary) == 4
