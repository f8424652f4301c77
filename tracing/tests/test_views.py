"""Pages: the audit's EPCIS data, the trace report, the lead's decisions and the enterprise's
query interface."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tracing import services
from tracing.models import EpcisEndpoint
from tracing.tests.conftest import epcis_file
from tracing.tests.epcis_builders import coffee_chain

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries)


def failing(audit, member):
    events = coffee_chain()
    events[4]["childQuantityList"][0]["quantity"] = 250
    del events[1]
    dataset = services.epcis_dataset_upload(audit=audit, by=member, file=epcis_file(events))
    return services.trace_analyse(dataset=dataset, by=member, gtin="8934588012235", lot="RG-1")


def test_an_assessor_uploads_then_traces_from_the_page(client, audit, member):
    client.force_login(member)
    page = client.get(f"/audits/{audit.pk}/epcis/")
    assert page.status_code == 200 and "Tải lên tài liệu EPCIS" in page.text
    response = client.post(f"/audits/{audit.pk}/epcis/upload/", {"file": epcis_file()})
    assert response.status_code == 302
    dataset = audit.epcis_datasets.get()
    response = client.post(
        f"/audits/{audit.pk}/epcis/analyse/",
        {"dataset": dataset.pk, "gtin": "8934588012235", "lot": "RG-1"},
    )
    analysis = dataset.analyses.get()
    assert response.status_code == 302 and response.url == f"/trace-analyses/{analysis.pk}/"
    report = client.get(response.url)
    assert report.status_code == 200
    assert "GLN 8935001000013" in report.text and "alert-success" in report.text


def test_an_invalid_upload_shows_the_event_and_field_and_stores_nothing(client, audit, member):
    events = coffee_chain()
    del events[5]["parentID"]
    events[5]["type"] = "AssociationEvent"
    client.force_login(member)
    response = client.post(f"/audits/{audit.pk}/epcis/upload/", {"file": epcis_file(events)})
    assert response.status_code == 400
    assert "event 5, parentID: required field is missing" in response.text
    assert not audit.epcis_datasets.exists()


def test_the_report_page_names_the_reasons_of_a_failure(client, audit, member, lead_assessor):
    analysis = failing(audit, member)
    client.force_login(lead_assessor)
    page = client.get(f"/trace-analyses/{analysis.pk}/")
    assert "alert-danger" in page.text
    assert "CH-2" in page.text and "8.93" in page.text
    assert "Xác nhận là phát hiện" in page.text  # the lead may confirm


def test_the_lead_confirms_a_proposal_from_the_page(client, audit, member, lead_assessor):
    analysis = failing(audit, member)
    proposal = analysis.proposals.get(code="mass_balance")
    client.force_login(lead_assessor)
    response = client.post(f"/proposed-findings/{proposal.pk}/confirm/")
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == "confirmed" and proposal.finding_id


def test_a_member_may_not_confirm_from_the_page(client, audit, member):
    analysis = failing(audit, member)
    proposal = analysis.proposals.first()
    client.force_login(member)
    assert client.post(f"/proposed-findings/{proposal.pk}/confirm/").status_code == 403
    proposal.refresh_from_db()
    assert proposal.state == "proposed"


def test_the_graph_is_a_png_drawn_on_the_server(client, analysis, member):
    client.force_login(member)
    response = client.get(f"/trace-analyses/{analysis.pk}/graph.png")
    assert response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_trace_test_is_recorded_from_the_page(client, analysis, member):
    client.force_login(member)
    response = client.post(f"/trace-analyses/{analysis.pk}/trace-test/")
    assert response.status_code == 302
    assert analysis.dataset.audit.trace_tests.get().result == "pass"


def test_pages_are_invisible_to_other_enterprises(client, analysis, other_enterprise_user):
    client.force_login(other_enterprise_user)
    assert client.get(f"/trace-analyses/{analysis.pk}/").status_code == 404
    assert client.get(f"/audits/{analysis.dataset.audit_id}/epcis/").status_code == 404


def test_the_report_page_queries_do_not_grow_with_gaps(client, audit, member):
    small = services.trace_analyse(
        dataset=services.epcis_dataset_upload(audit=audit, by=member, file=epcis_file()),
        by=member,
        gtin="8934588012235",
        lot="RG-1",
    )
    big = failing(audit, member)
    client.force_login(member)
    client.get(f"/trace-analyses/{small.pk}/")
    assert queries(client, f"/trace-analyses/{big.pk}/") == queries(
        client, f"/trace-analyses/{small.pk}/"
    )
    assert big.proposals.count() > small.proposals.count()


def test_the_audit_epcis_page_queries_do_not_grow(client, audit, member):
    client.force_login(member)
    url = f"/audits/{audit.pk}/epcis/"
    services.epcis_dataset_upload(audit=audit, by=member, file=epcis_file())
    client.get(url)
    one = queries(client, url)
    for _ in range(3):
        failing(audit, member)
    assert queries(client, url) == one


def test_an_enterprise_user_registers_the_query_interface(client, enterprise_user, settings):
    client.force_login(enterprise_user)
    assert client.get("/epcis/query-interface/").status_code == 200
    refused = client.post("/epcis/query-interface/", {"url": "http://x.example.vn/epcis"})
    assert refused.status_code == 400 and not EpcisEndpoint.objects.exists()
    response = client.post(
        "/epcis/query-interface/", {"url": "https://x.example.vn/epcis", "token": "t0k"}
    )
    assert response.status_code == 302
    assert EpcisEndpoint.objects.get().token == "t0k"
    page = client.get("/epcis/query-interface/")
    assert "t0k" not in page.text


def test_someone_without_an_enterprise_may_not_register_an_interface(client, cb_staff):
    client.force_login(cb_staff)
    assert client.get("/epcis/query-interface/").status_code == 403
