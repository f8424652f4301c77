import csv
import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from certification.models import SupplyChainStage
from certification.tests.factories import BodyFactory
from oversight import exports, selectors
from oversight.models import PlanActivity, PlanTarget
from oversight.tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PAGES = [
    "/oversight/",
    "/oversight/plan/",
    "/oversight/plan/activities/new/",
    "/oversight/plan/high-risk-groups/",
    "/oversight/register/",
    "/oversight/register/export.csv",
    "/oversight/register/export.xlsx",
    "/oversight/plan/report/2026.docx",
    "/oversight/plan/report/2026.xlsx",
]


def figure(page, code: str) -> str:
    match = re.search(rf'data-figure="{code}">([^<]*)<', page.text)
    assert match, code
    return match.group(1).strip()


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    "who", ["enterprise_user", "cb_staff", "lead_assessor", "decider", "outsider"]
)
def test_enterprises_bodies_and_others_cannot_open_the_oversight_pages(client, request, who, url):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_a_regulator_opens_every_oversight_page(client, regulator, url):
    client.force_login(regulator)
    assert client.get(url).status_code == 200


def test_the_dashboard_shows_the_jurisdiction_s_figures_in_vietnamese_dates(
    client, regulator, dataset
):
    client.force_login(regulator)
    page = client.get("/oversight/")

    assert 'lang="vi"' in page.text
    assert figure(page, "applications") == "12"
    assert figure(page, "certificates") == "7"
    assert figure(page, "certified_enterprises") == "3"
    assert figure(page, "expiring") == "2"
    assert figure(page, "overdue_surveillance") == "2"
    assert figure(page, "majors_overdue") == "2"
    assert figure(page, "suspended_12m") == "1"
    assert figure(page, "withdrawn_12m") == "1"
    assert figure(page, "median_days") == "10"
    assert page.text.count("<svg") == 4
    assert dataset.cert_c.valid_until.strftime("%d/%m/%Y") in page.text
    assert dataset.cert_k.number not in page.text


def test_a_regulator_sees_only_their_jurisdiction(client, other_regulator, dataset, province):
    client.force_login(other_regulator)
    page = client.get("/oversight/")

    assert figure(page, "certificates") == "1"
    assert figure(page, "applications") == "1"
    assert dataset.cert_k.number in page.text
    assert dataset.cert_c.number not in page.text
    assert client.get(f"/oversight/?province={province.pk}").status_code == 403
    register = client.get("/oversight/register/export.csv")
    assert dataset.cert_c.number not in b"".join(register.streaming_content).decode()


def test_the_dashboard_page_makes_the_same_number_of_queries_at_two_data_sizes(
    client, regulator, province, scheme, admin_user
):
    client.force_login(regulator)
    body = BodyFactory(province=province, code="SIZECERT")
    factories.bulk_units(2, province=province, body=body, scheme=scheme, by=admin_user)
    client.get("/oversight/")  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as small:
        assert client.get("/oversight/").status_code == 200
    factories.bulk_units(10, province=province, body=body, scheme=scheme, by=admin_user)
    with CaptureQueriesContext(connection) as large:
        assert client.get("/oversight/").status_code == 200

    assert len(small) == len(large)


# --- register exports ---------------------------------------------------------------------


def _register(province_ids, **filters) -> list[list]:
    """The register read from the certificates themselves, as the files should show it."""
    rows = []
    for c in selectors.certificate_register(province_ids, **filters):
        rows.append(
            [
                c.number,
                c.version,
                str(c.get_state_display()),
                c.enterprise.name,
                c.enterprise.tax_code,
                str(c.enterprise.get_sector_display()),
                c.enterprise.commune,
                c.enterprise.province.name,
                c.body.code,
                c.body.name,
                c.standard,
                "; ".join(f"{p['name']} ({p['gtin']})" for p in c.products),
                "; ".join(s["name"] for s in c.sites),
                "; ".join(str(SupplyChainStage(s).label) for s in c.stages),
                c.issued_on,
                c.valid_from,
                c.valid_until,
                c.next_surveillance_due,
            ]
        )
    return rows


def _as_text(rows: list[list]) -> list[list[str]]:
    return [
        [
            v.strftime("%d/%m/%Y")
            if isinstance(v, datetime.date)
            else ("" if v is None else str(v))
            for v in row
        ]
        for row in rows
    ]


def test_the_csv_register_opens_with_the_csv_module_and_matches_the_register(
    client, regulator, dataset, province
):
    client.force_login(regulator)
    response = client.get("/oversight/register/export.csv")

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == exports.register_headers()
    assert rows == _as_text(_register([province.pk]))
    assert len(rows) == 7
    assert dataset.cert_k.number not in text


def test_the_xlsx_register_opens_with_openpyxl_and_matches_the_register(
    client, regulator, dataset, province
):
    client.force_login(regulator)
    response = client.get("/oversight/register/export.xlsx")

    assert response["Content-Type"] == exports.XLSX_MIME
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header == exports.register_headers()
    # An empty text cell reads back as None; a date cell as a datetime at midnight.
    normalised = [
        [v.date() if isinstance(v, datetime.datetime) else v for v in row] for row in rows
    ]
    expected = [[None if v == "" else v for v in row] for row in _register([province.pk])]
    assert normalised == expected
    assert len(rows) == 7
    assert sheet.cell(row=2, column=15).number_format == exports.XLSX_DATE


def test_the_register_filters_by_state_body_sector_and_issue_dates(
    client, regulator, dataset, province
):
    client.force_login(regulator)
    day = dataset.cert_f2.issued_on
    cases = [
        ("state=active", 4),
        (f"body={dataset.body2.pk}", 2),
        ("sector=livestock", 4),
        (f"issued_from={day:%Y-%m-%d}", 3),  # A, B (today) and F2
        (f"issued_from={day:%d/%m/%Y}&issued_to={day:%d/%m/%Y}", 1),
        ("state=active&sector=livestock", 3),
    ]
    for query, count in cases:
        text = b"".join(
            client.get(f"/oversight/register/export.csv?{query}").streaming_content
        ).decode("utf-8-sig")
        assert len(list(csv.reader(io.StringIO(text)))) - 1 == count, query
        page = client.get(f"/oversight/register/?{query}")
        assert page.status_code == 200
        assert page.context["page"].paginator.count == count, query


def test_a_register_filter_with_dates_in_the_wrong_order_is_refused(client, regulator):
    client.force_login(regulator)
    response = client.get(
        "/oversight/register/export.csv?issued_from=2026-05-01&issued_to=2026-04-01"
    )
    assert response.status_code == 400


# --- plan pages ---------------------------------------------------------------------------


def test_a_regulator_records_an_activity_with_evidence_and_downloads_it(
    client, regulator, other_regulator, province
):
    client.force_login(regulator)
    target = PlanTarget.objects.get(jurisdiction=None, code="awareness_classes")
    response = client.post(
        "/oversight/plan/activities/new/",
        {
            "target": target.pk,
            "date": "2026-10-15",
            "description": "Lớp tập huấn TXNG cho doanh nghiệp tại Pleiku.",
            "quantity": "2",
            "evidence": SimpleUploadedFile("giay-moi.pdf", PDF),
        },
    )

    assert response.status_code == 302
    activity = PlanActivity.objects.get()
    assert (activity.jurisdiction, activity.quantity, activity.recorded_by) == (
        province,
        2,
        regulator,
    )
    plan = client.get("/oversight/plan/")
    assert "15/10/2026" in plan.text
    row = re.search(r'data-indicator="awareness_classes">(.*?)</tr>', plan.text, re.S).group(1)
    assert ">2<" in row
    download = client.get(f"/oversight/plan/activities/{activity.pk}/evidence/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    client.force_login(other_regulator)
    assert client.get(f"/oversight/plan/activities/{activity.pk}/evidence/").status_code == 404


def test_a_computed_indicator_is_not_offered_for_activities(client, regulator):
    client.force_login(regulator)
    computed = PlanTarget.objects.get(jurisdiction=None, code="enterprises_certified")
    response = client.post(
        "/oversight/plan/activities/new/",
        {"target": computed.pk, "date": "2026-10-15", "description": "x", "quantity": "1"},
    )
    assert response.status_code == 400
    assert "target" in response.context["form"].errors
    assert not PlanActivity.objects.exists()


def test_a_regulator_changes_the_province_s_target_from_the_plan_page(client, regulator, province):
    client.force_login(regulator)
    response = client.post("/oversight/plan/targets/conferences/", {"target_value": "8"})

    assert response.status_code == 302
    assert PlanTarget.objects.get(jurisdiction=province, code="conferences").target_value == 8


def test_a_regulator_adds_a_high_risk_group_from_its_page(client, regulator, dataset, province):
    client.force_login(regulator)
    response = client.post(
        "/oversight/plan/high-risk-groups/",
        {
            "name": "Thịt lợn",
            "description": "Sản phẩm thịt lợn tươi sống.",
            "certificates": [dataset.cert_c.pk],
        },
    )

    assert response.status_code == 302
    page = client.get("/oversight/plan/high-risk-groups/")
    assert "Thịt lợn" in page.text and dataset.cert_c.number in page.text
    # Coverage is counted per product since issue 15: a group alone covers nothing.
    assert selectors.high_risk_coverage(province)["total"] == 0


def test_the_annual_report_downloads_as_word_and_excel(client, regulator, province):
    client.force_login(regulator)
    word = client.get("/oversight/plan/report/2026.docx")
    excel = client.get("/oversight/plan/report/2026.xlsx")

    assert word["Content-Type"] == exports.DOCX_MIME
    assert word.content[:2] == b"PK"
    assert excel["Content-Type"] == exports.XLSX_MIME
    assert "2026" in word["Content-Disposition"]


def test_a_regulator_edits_a_high_risk_group_and_another_province_cannot(
    client, regulator, other_regulator, dataset, province
):
    from oversight.services import high_risk_group_save

    group = high_risk_group_save(
        jurisdiction=province, name="Thịt bò", certificates=[dataset.cert_c], by=regulator
    )
    client.force_login(regulator)
    assert client.get(f"/oversight/plan/high-risk-groups/{group.pk}/").status_code == 200
    response = client.post(
        f"/oversight/plan/high-risk-groups/{group.pk}/",
        {"name": "Thịt bò tươi", "certificates": [dataset.cert_c.pk, dataset.cert_f1.pk]},
    )

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "Thịt bò tươi"
    assert set(group.certificates.all()) == {dataset.cert_c, dataset.cert_f1}
    client.force_login(other_regulator)
    assert client.get(f"/oversight/plan/high-risk-groups/{group.pk}/").status_code == 404
