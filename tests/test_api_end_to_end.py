"""The REST API end to end: with the demo accounts' tokens, a new application goes from
draft to certified through HTTP calls only, and its certificate is then checked on the public
endpoint without a token."""

import io

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from core.clock import today

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
API = "/api/v1"


@pytest.fixture
def demo():
    cache.clear()  # throttle counters of earlier tests
    call_command("import_checklists", stdout=io.StringIO())
    call_command("seed_demo", "--force", stdout=io.StringIO())


def signed_in(username: str) -> APIClient:
    response = APIClient().post(
        f"{API}/auth/token/",
        {"username": username, "password": settings.DEMO_PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def ok(response, status: int = 200) -> dict | list:
    assert response.status_code == status, (response.status_code, response.content[:2000])
    return response.json()


def step(client: APIClient, collection: str, pk: int, name: str, **fields) -> dict:
    return ok(client.post(f"{API}/{collection}/{pk}/transitions/{name}/", fields, format="json"))


def run_audit(staff, lead, lead_id: int, application_id: int, kind: str) -> None:
    day = today().isoformat()
    audit = ok(
        staff.post(
            f"{API}/audits/",
            {
                "application": application_id,
                "kind": kind,
                "mode": "on_site",
                "planned_start": day,
                "planned_end": day,
            },
            format="json",
        ),
        201,
    )
    path = f"{API}/audits/{audit['id']}"
    ok(staff.post(f"{path}/team/", {"user": lead_id, "role": "lead"}, format="json"), 201)
    declaration = ok(
        lead.post(
            f"{path}/declarations/",
            {
                "no_consultancy": True,
                "no_employment": True,
                "no_financial_interest": True,
                "no_family_ties": True,
                "statement": "Không có xung đột lợi ích.",
            },
            format="json",
        ),
        201,
    )
    assert declaration["is_clean"] is True
    assert step(lead, "audits", audit["id"], "start")["state"] == "in_progress"

    checklist = ok(lead.get(f"{path}/checklist/"))
    answers = [
        {"item": item["id"], "result": "conform", "note": ""}
        for section in checklist["sections"]
        for item in section["items"]
    ]
    assert answers
    saved = ok(lead.patch(f"{path}/checklist/", answers, format="json"))
    assert saved["total"]["answered"] == saved["total"]["applicable"] == len(answers)

    if kind == "stage2":
        ok(
            lead.post(
                f"{path}/trace-tests/",
                {
                    "gtin": "8934588012228",
                    "lot": "L2026-101",
                    "direction": "both",
                    "started_at": f"{day}T08:00:00+07:00",
                    "ended_at": f"{day}T10:30:00+07:00",
                    "quantity_in": "1000.000",
                    "quantity_out": "985.500",
                    "result": "pass",
                    "note": "Truy ngược và truy xuôi trong 2,5 giờ.",
                },
                format="json",
            ),
            201,
        )
    submitted = step(
        lead,
        "audits",
        audit["id"],
        "submit_report",
        report_summary="Hệ thống truy xuất vận hành đúng quy trình.",
        conclusion="Đề nghị chứng nhận.",
    )
    assert submitted["state"] == "report_submitted"
    assert step(staff, "audits", audit["id"], "approve_report")["state"] == "closed"


def test_a_new_application_goes_from_draft_to_certified_through_the_api_only(demo):
    enterprise = signed_in("enterprise")
    staff = signed_in("cbstaff")
    lead = signed_in("lead")
    decider = signed_in("decider")
    regulator = signed_in("regulator")

    (membership,) = ok(enterprise.get(f"{API}/me/"))["memberships"]
    lead_id = ok(lead.get(f"{API}/me/"))["id"]
    (body,) = ok(enterprise.get(f"{API}/organizations/?kind=certification_body&search=GLCERT"))[
        "results"
    ]
    (scheme,) = ok(enterprise.get(f"{API}/schemes/?code=tcvn-12850-2019"))["results"]

    application = ok(
        enterprise.post(
            f"{API}/applications/",
            {
                "enterprise": membership["organisation"],
                "body": body["id"],
                "scheme": scheme["id"],
                "products": [{"name": "Cà phê rang xay 1 kg", "gtin": "8934588012242"}],
                "sites": [{"name": "Xưởng rang Chư Sê", "address": "Quốc lộ 14, xã Chư Sê"}],
                "stages": ["processing", "packing", "storage"],
                "contact_name": "Nguyễn Thị Hạnh",
            },
            format="json",
        ),
        201,
    )
    pk = application["id"]
    assert application["state"] == "draft"

    for doc_type in scheme["required_document_types"]:
        ok(
            enterprise.post(
                f"{API}/documents/",
                {
                    "owner_type": "application",
                    "owner_id": pk,
                    "doc_type": doc_type,
                    "file": SimpleUploadedFile(f"{doc_type}.pdf", PDF, "application/pdf"),
                },
                format="multipart",
            ),
            201,
        )

    ok(enterprise.post(f"{API}/applications/{pk}/accept-mark-rules/", format="json"))
    assert step(enterprise, "applications", pk, "submit")["state"] == "submitted"
    assert step(staff, "applications", pk, "start_review")["state"] == "under_review"
    accepted = step(
        staff,
        "applications",
        pk,
        "accept",
        contract_reference="HĐ-2026-API",
        scope_within_competence=True,
    )
    assert accepted["state"] == "in_evaluation"

    run_audit(staff, lead, lead_id, pk, "stage1")
    run_audit(staff, lead, lead_id, pk, "stage2")

    reviewed = step(
        staff,
        "applications",
        pk,
        "submit_for_decision",
        technical_review_note="Hồ sơ và hai cuộc đánh giá đầy đủ.",
    )
    assert reviewed["state"] == "decision_pending"
    allowed = {
        t["name"]: t["allowed"] for t in ok(decider.get(f"{API}/applications/{pk}/transitions/"))
    }
    assert allowed["grant"] is True
    assert (
        step(decider, "applications", pk, "grant", comment="Đạt yêu cầu.")["state"] == "certified"
    )

    history = ok(enterprise.get(f"{API}/applications/{pk}/history/"))
    transitions = [e["transition"] for e in history]
    assert (transitions[0], transitions[-1]) == ("create", "grant")

    (certificate,) = ok(enterprise.get(f"{API}/certificates/?application={pk}"))["results"]
    assert certificate["state"] == "active"
    assert ok(regulator.get(f"{API}/certificates/{certificate['id']}/"))["id"] == certificate["id"]

    public = ok(APIClient().get(f"{API}/public/certificates/{certificate['number']}/"))
    assert public["state"] == "active"
    assert public["number"] == certificate["number"]
    assert public["holder"] == "Công ty TNHH Cà phê Chư Sê"
    assert public["standard"] == "TCVN 12850:2019"
    assert public["is_current"] is True
    assert public["scope"]["products"][0]["gtin"] == "8934588012242"
