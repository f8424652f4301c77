"""The trace-test API: upload, query, analysis, report, trace test, proposed findings, and
their place in the OpenAPI schema."""

import json

import pytest
from django.core.cache import cache

from core.tests.api_helpers import API, api_as, queries_of
from documents.models import Document
from tracing.models import EpcisDataset
from tracing.tests.conftest import epcis_file
from tracing.tests.epcis_builders import coffee_chain

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def upload(api, audit, events=None, raw=None):
    return api.post(
        f"{API}/audits/{audit.pk}/epcis-documents/",
        {"file": epcis_file(events, raw=raw)},
        format="multipart",
    )


def test_an_assessor_uploads_a_document_and_traces_a_lot(audit, member):
    api = api_as(member)
    uploaded = upload(api, audit)
    assert uploaded.status_code == 201, uploaded.json()
    body = uploaded.json()
    assert body["event_count"] == 8 and body["source"] == "upload"
    traced = api.post(
        f"{API}/epcis-documents/{body['id']}/analyses/",
        {"gtin": "8934588012235", "lot": "RG-1"},
        format="json",
    )
    assert traced.status_code == 201, traced.json()
    analysis = traced.json()
    assert analysis["result"] == "pass" and analysis["reasons"] == []
    assert analysis["data"]["forward"]["customers"] == ["GLN 8935001000013", "GLN 8935002000012"]
    assert analysis["page_url"] == f"/trace-analyses/{analysis['id']}/"
    again = api.get(f"{API}/trace-analyses/{analysis['id']}/")
    assert again.status_code == 200 and again.json()["id"] == analysis["id"]


def test_an_invalid_document_answers_400_with_the_event_and_the_field(audit, member):
    events = coffee_chain()
    events[2]["inputQuantityList"][1]["uom"] = "kilograms"
    response = upload(api_as(member), audit, events)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "epcis_invalid"
    assert body["problems"][0]["event"] == 2
    assert body["problems"][0]["field"] == "inputQuantityList[1].uom"
    assert not EpcisDataset.objects.exists()
    assert not Document.objects.filter(doc_type="epcis_events").exists()


def test_a_file_that_is_not_json_answers_400(audit, member):
    response = upload(api_as(member), audit, raw=b"%PDF-1.4 not events")
    assert response.status_code == 400
    assert response.json()["problems"][0]["field"] == "(file)"


def test_a_document_over_the_limit_answers_413(audit, member, settings):
    settings.EPCIS_MAX_BYTES = 64
    assert upload(api_as(member), audit).status_code == 413


def test_an_outsider_gets_404_and_a_cb_officer_403(audit, outsider, cb_staff):
    assert upload(api_as(outsider), audit).status_code == 404
    assert upload(api_as(cb_staff), audit).status_code == 403
    assert not EpcisDataset.objects.exists()


def test_tracing_is_refused_to_the_enterprise_with_403(dataset, enterprise_user):
    response = api_as(enterprise_user).post(
        f"{API}/epcis-documents/{dataset.pk}/analyses/",
        {"gtin": "8934588012235", "lot": "RG-1"},
        format="json",
    )
    assert response.status_code == 403


def test_a_bad_gtin_answers_400_by_field(dataset, member):
    response = api_as(member).post(
        f"{API}/epcis-documents/{dataset.pk}/analyses/",
        {"gtin": "8934588012236", "lot": "RG-1"},
        format="json",
    )
    assert response.status_code == 400 and "gtin" in response.json()["errors"]


def test_the_enterprise_reads_the_analysis_of_its_audit_and_others_cannot(
    analysis, enterprise_user, other_enterprise_user
):
    assert api_as(enterprise_user).get(f"{API}/trace-analyses/{analysis.pk}/").status_code == 200
    assert (
        api_as(other_enterprise_user).get(f"{API}/trace-analyses/{analysis.pk}/").status_code == 404
    )


def test_the_report_is_generated_and_downloadable(analysis, member):
    api = api_as(member)
    response = api.post(f"{API}/trace-analyses/{analysis.pk}/report/")
    assert response.status_code == 201
    download = api.get(response.json()["download_url"])
    assert download.status_code == 200
    content = b"".join(download.streaming_content) if download.streaming else download.content
    assert content[:2] == b"PK"  # a .docx


def test_the_trace_test_is_recorded_once_from_the_analysis(analysis, member):
    api = api_as(member)
    first = api.post(f"{API}/trace-analyses/{analysis.pk}/trace-test/")
    assert first.status_code == 201 and first.json()["result"] == "pass"
    second = api.post(f"{API}/trace-analyses/{analysis.pk}/trace-test/")
    assert second.status_code == 409 and second.json()["code"] == "recorded"


def test_the_lead_confirms_and_a_member_may_not(audit, member, lead_assessor):
    events = coffee_chain()
    del events[1]
    dataset = upload(api_as(member), audit, events).json()
    analysis = (
        api_as(member)
        .post(
            f"{API}/epcis-documents/{dataset['id']}/analyses/",
            {"gtin": "8934588012235", "lot": "RG-1"},
            format="json",
        )
        .json()
    )
    assert analysis["result"] == "fail"
    [proposal] = analysis["proposals"]
    url = f"{API}/proposed-findings/{proposal['id']}/confirm/"
    assert api_as(member).post(url, {}, format="json").status_code == 403
    confirmed = api_as(lead_assessor).post(url, {}, format="json")
    assert confirmed.status_code == 200
    assert confirmed.json()["state"] == "confirmed" and confirmed.json()["finding"]
    dismiss = f"{API}/proposed-findings/{proposal['id']}/dismiss/"
    assert api_as(lead_assessor).post(dismiss, {"comment": "x"}, format="json").status_code == 409


def test_querying_without_an_interface_answers_409(audit, member):
    response = api_as(member).post(f"{API}/audits/{audit.pk}/epcis-queries/")
    assert response.status_code == 409 and response.json()["code"] == "no_endpoint"


def test_the_list_of_datasets_does_not_grow_in_queries(audit, member):
    api = api_as(member)
    upload(api, audit)
    small = queries_of(lambda: api.get(f"{API}/audits/{audit.pk}/epcis-documents/"))
    for _ in range(3):
        upload(api, audit)
    assert queries_of(lambda: api.get(f"{API}/audits/{audit.pk}/epcis-documents/")) == small
    assert len(api.get(f"{API}/audits/{audit.pk}/epcis-documents/").json()) == 4


def test_the_endpoints_are_in_the_openapi_schema(member):
    schema = api_as(member).get(f"{API}/schema/", HTTP_ACCEPT="application/json")
    paths = json.loads(schema.content)["paths"]
    for path in (
        "/api/v1/audits/{id}/epcis-documents/",
        "/api/v1/audits/{id}/epcis-queries/",
        "/api/v1/epcis-documents/{id}/analyses/",
        "/api/v1/trace-analyses/{id}/",
        "/api/v1/trace-analyses/{id}/report/",
        "/api/v1/trace-analyses/{id}/trace-test/",
        "/api/v1/proposed-findings/{id}/{name}/",
    ):
        assert path in paths, path
    upload_op = paths["/api/v1/audits/{id}/epcis-documents/"]["post"]
    assert {"201", "400", "413"} <= set(upload_op["responses"])


def test_an_unknown_decision_on_a_proposal_answers_404(audit, member, lead_assessor):
    events = coffee_chain()
    del events[1]
    dataset = upload(api_as(member), audit, events).json()
    analysis = (
        api_as(member)
        .post(
            f"{API}/epcis-documents/{dataset['id']}/analyses/",
            {"gtin": "8934588012235", "lot": "RG-1"},
            format="json",
        )
        .json()
    )
    [proposal] = analysis["proposals"]
    response = api_as(lead_assessor).post(
        f"{API}/proposed-findings/{proposal['id']}/approve/", {"comment": "x"}, format="json"
    )
    assert response.status_code == 404
    assert (
        api_as(lead_assessor)
        .get(f"{API}/trace-analyses/{analysis['id']}/")
        .json()["proposals"][0]["state"]
        == "proposed"
    )


def test_a_deeply_nested_file_is_refused_as_invalid_json(audit, member):
    response = upload(api_as(member), audit, raw=b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400
