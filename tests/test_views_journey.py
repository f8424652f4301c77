"""The journey of issue 8 through the pages (Django test client, no browser), with the demo
accounts: apply and upload → accept → plan, declare, fill the checklist with a minor finding,
trace test → respond with evidence → accept the plan → report approved → decision → granted.

Every page of the journey answers 200 within a fixed number of queries."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from audits.models import Audit, Finding
from certification.models import Application, Certificate, Organisation, Scheme
from checklists.selectors import applicable_items
from core.clock import today
from core.models import User

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
# The most queries any page of the journey may make (they do not grow with the data).
PAGE_QUERIES = 30


@pytest.fixture
def demo(settings):
    settings.DEMO_PASSWORD = "demo-Pass-2026"
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", "--force", stdout=quiet)
        call_command("import_checklists", stdout=quiet)


class Person:
    """A demo account with its own browser session."""

    def __init__(self, username: str, assert_queries) -> None:
        self.user = User.objects.get(username=username)
        self.client = Client()
        self.client.force_login(self.user)
        self._assert_queries = assert_queries

    def page(self, url: str, contains: str = ""):
        with self._assert_queries(PAGE_QUERIES):
            response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if contains:
            assert contains in response.text, (url, contains)
        return response

    def post(self, url: str, data: dict | None = None, *, status: int = 302, **extra):
        response = self.client.post(url, data or {}, **extra)
        assert response.status_code == status, (url, response.status_code, response.text[:3000])
        return response

    def transition(self, base: str, name: str, **data):
        return self.post(f"{base}transitions/{name}/", data)

    def upload(self, owner_type: str, owner_id: int, doc_type: str):
        return self.post(
            "/documents/upload/",
            {
                "owner_type": owner_type,
                "owner_id": owner_id,
                "doc_type": doc_type,
                "file": SimpleUploadedFile(f"{doc_type}.pdf", PDF),
                "next": "/",
            },
        )


def _plan_and_start(staff: Person, lead: Person, assessor: Person, application, kind: str):
    staff.page(f"/audits/new/?application={application.pk}")
    response = staff.post(
        f"/audits/new/?application={application.pk}",
        {
            "application": application.pk,
            "kind": kind,
            "mode": "on_site",
            "planned_start": today().isoformat(),
            "planned_end": (today() + datetime.timedelta(days=1)).isoformat(),
        },
    )
    audit = Audit.objects.get(application=application, kind=kind)
    base = f"/audits/{audit.pk}/"
    assert response["Location"] == base
    staff.post(f"{base}team/", {"user": lead.user.pk, "role": "lead"})
    staff.post(f"{base}team/", {"user": assessor.user.pk, "role": "member"})
    staff.page(base, contains=lead.user.get_full_name())
    for person in (lead, assessor):
        person.page(base)
        person.post(
            f"{base}declaration/",
            {"choice": "none"},
        )
    lead.transition(base, "start")
    audit.refresh_from_db()
    assert audit.state == Audit.State.IN_PROGRESS
    return audit, base


def _fill_checklist(lead: Person, audit: Audit, base: str, *, minor_on: str = "") -> None:
    lead.page(f"{base}checklist/")
    items = applicable_items(audit)
    first, rest = items[0], items[1:]
    # One answer autosaved as HTMX does, then the others with "save all".
    saved = lead.post(
        f"{base}checklist/save/",
        {f"result-{first.pk}": "conform", f"note-{first.pk}": ""},
        status=200,
        HTTP_HX_REQUEST="true",
    )
    assert 'id="checklist-progress"' in saved.text
    data = {}
    for item in rest:
        minor = item.code == minor_on
        data[f"result-{item.pk}"] = "minor" if minor else "conform"
        data[f"note-{item.pk}"] = "Phiếu xuất kho thiếu số lô ở 2/10 mẫu." if minor else ""
    lead.post(f"{base}checklist/save/", data)
    lead.page(f"{base}checklist/")


def test_the_journey_from_application_to_certificate_through_the_pages(
    demo, django_assert_max_num_queries
):
    enterprise = Person("enterprise", django_assert_max_num_queries)
    staff = Person("cbstaff", django_assert_max_num_queries)
    lead = Person("lead", django_assert_max_num_queries)
    assessor = Person("assessor", django_assert_max_num_queries)
    decider = Person("decider", django_assert_max_num_queries)
    company = Organisation.objects.get(tax_code="5900432185")
    body = Organisation.objects.get(code="GLCERT")
    scheme = Scheme.objects.get(code="tcvn-12850-2019")

    # 1. The enterprise applies with the form, uploads the required documents and submits.
    enterprise.page("/")
    enterprise.page("/applications/new/")
    response = enterprise.post(
        "/applications/new/",
        {
            "enterprise": company.pk,
            "body": body.pk,
            "scheme": scheme.pk,
            "kind": "initial",
            "product_name": ["Cà phê nhân Robusta Chư Sê", "Cà phê rang xay 250 g"],
            "product_gtin": ["8934588012228", "8934588012242"],
            "site_name": ["Nhà máy chế biến Chư Sê"],
            "site_address": ["Quốc lộ 14, xã Chư Sê"],
            "stages": ["primary_production", "processing", "packing"],
            "sector_standard": "TCVN 12827:2023",
            "contact_name": "Nguyễn Thị Hạnh",
            "contact_email": "lienhe@caphechuse.example.vn",
        },
    )
    application = Application.objects.filter(enterprise=company).latest("pk")
    app_url = f"/applications/{application.pk}/"
    assert response["Location"] == app_url
    enterprise.page(app_url, contains="8934588012242")
    for doc_type in scheme.required_document_types:
        enterprise.upload("application", application.pk, doc_type)
    enterprise.post(f"{app_url}mark-rules/")  # the scheme's rules for the certificate and mark
    enterprise.transition(app_url, "submit")

    # 2. The body's officer reviews and accepts it.
    staff.page("/")
    staff.page("/applications/", contains=application.number)
    staff.page(app_url)
    staff.transition(app_url, "start_review")
    staff.transition(
        app_url, "accept", contract_reference="HĐ-2026/077", scope_within_competence="true"
    )
    application.refresh_from_db()
    assert application.state == Application.State.IN_EVALUATION

    # 3. Stage 1: planned, team declared, checklist filled, report approved.
    stage1, base1 = _plan_and_start(staff, lead, assessor, application, "stage1")
    _fill_checklist(lead, stage1, base1)
    lead.transition(base1, "submit_report", report_summary="Sẵn sàng.", conclusion="Đạt.")
    staff.page("/", contains=application.number)
    staff.transition(base1, "approve_report")

    # 4. Stage 2: a minor finding from the checklist, and a trace test.
    stage2, base2 = _plan_and_start(staff, lead, assessor, application, "stage2")
    lead.page("/")
    _fill_checklist(lead, stage2, base2, minor_on="C-06")
    finding = Finding.objects.get(audit=stage2)
    assert finding.severity == Finding.Severity.MINOR
    lead.post(
        f"{base2}trace-tests/",
        {
            "gtin": "8934588012228",
            "lot": "L2026-031",
            "direction": "both",
            "started_at": "2026-03-02T08:00",
            "ended_at": "2026-03-02T10:30",
            "quantity_in": "1200",
            "quantity_out": "1180.5",
            "result": "pass",
            "note": "Truy ngược tới 3 hộ cung cấp.",
        },
    )
    lead.page(base2, contains="L2026-031")

    # 5. The enterprise responds to the finding with evidence; the lead accepts the plan.
    finding_url = f"/findings/{finding.pk}/"
    enterprise.page("/", contains=f"#{finding.pk}")
    enterprise.page(finding_url)
    enterprise.post(
        f"{finding_url}respond/",
        {
            "root_cause": "Nhân viên kho chưa được hướng dẫn ghi số lô.",
            "correction": "Bổ sung số lô cho 2 phiếu xuất.",
            "corrective_action": "Đào tạo lại và thêm trường bắt buộc trong phần mềm kho.",
            "planned_completion": (today() + datetime.timedelta(days=20)).isoformat(),
        },
    )
    enterprise.upload("finding", finding.pk, "evidence")
    lead.page("/", contains=f"#{finding.pk}")
    lead.page(finding_url)
    lead.transition(finding_url, "accept_plan")
    finding.refresh_from_db()
    assert finding.state == Finding.State.PLAN_ACCEPTED

    # 6. Report submitted and approved; technical review; decision.
    lead.transition(base2, "submit_report", report_summary="Áp dụng đầy đủ.", conclusion="Đạt.")
    staff.transition(base2, "approve_report")
    staff.transition(app_url, "submit_for_decision", technical_review_note="Hồ sơ đầy đủ.")
    decider.page("/", contains=application.number)
    decider.page(f"{app_url}decision/")
    decider.post(f"{app_url}transitions/grant/", {"next": f"{app_url}decision/"})

    application.refresh_from_db()
    assert application.state == Application.State.CERTIFIED
    certificate = Certificate.objects.get(application=application)
    enterprise.page(app_url, contains=certificate.number)
    enterprise.page("/", contains=certificate.number)
