"""The pages where the body's officers keep the competence matrix and the impartiality records."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.models import AssessorQualification
from audits.tests.factories import QualificationFactory
from certification.models import (
    BodyConflict,
    CommitteeMeeting,
    ImpartialityRisk,
    Role,
)
from certification.services.impartiality import meeting_record, risk_record
from certification.tests.factories import UserFactory, grant
from core.clock import today
from core.services import history_of

pytestmark = [pytest.mark.django_db, pytest.mark.competence_as_recorded]


def test_an_officer_records_a_competence_record_for_an_assessor_of_the_body(
    client, cb_staff, member, scheme
):
    client.force_login(cb_staff)
    assert client.get("/competence/").status_code == 200
    response = client.post(
        "/competence/new/",
        {
            "user": member.pk,
            "function": "technical_expert",
            "scheme": scheme.pk,
            "technical_area": "aquaculture",
            "valid_from": "2026-01-01",
            "valid_until": "2025-01-01",
        },
    )
    assert response.status_code == 400  # ends before it starts
    assert not AssessorQualification.objects.exists()
    response = client.post(
        "/competence/new/",
        {
            "user": member.pk,
            "function": "technical_expert",
            "scheme": scheme.pk,
            "technical_area": "aquaculture",
            "valid_from": "2026-01-01",
            "training": "Khóa ISO/IEC 17021-1, 03/2025",
        },
    )
    assert response.status_code == 302
    record = AssessorQualification.objects.get()
    assert (record.user, record.function, record.technical_area) == (
        member,
        "technical_expert",
        "aquaculture",
    )
    assert history_of(record).get().actor == cb_staff
    page = client.get(f"/competence/{record.pk}/")
    assert page.status_code == 200
    upload = client.post(
        "/documents/upload/",
        {
            "owner_type": "qualification",
            "owner_id": record.pk,
            "doc_type": "general",
            "file": SimpleUploadedFile("chung-chi.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        },
    )
    assert upload.status_code in (201, 302)
    assert "chung-chi.pdf" in client.get(f"/competence/{record.pk}/").content.decode()


def test_the_competence_page_is_only_for_officers_and_lists_only_their_people(
    client, cb_staff, member, outsider, scheme, enterprise_user
):
    QualificationFactory(user=member, scheme=scheme)
    QualificationFactory(user=outsider, scheme=scheme)
    client.force_login(enterprise_user)
    assert client.get("/competence/").status_code == 403
    client.force_login(cb_staff)
    page = client.get("/competence/").content.decode()
    assert member.get_full_name() in page
    assert outsider.get_full_name() not in page
    refused = client.post(
        "/competence/new/",
        {
            "user": outsider.pk,
            "function": "auditor",
            "scheme": scheme.pk,
            "valid_from": "2026-01-01",
        },
    )
    assert refused.status_code == 400  # not among the people one may choose
    assert not AssessorQualification.objects.filter(user=outsider, function="auditor").exists()


def test_the_competence_list_is_paginated_in_constant_queries(
    client, cb_staff, body, scheme, admin_user
):
    client.force_login(cb_staff)
    counts = []
    for total in (3, 30):
        while AssessorQualification.objects.count() < total:
            person = grant(UserFactory(), Role.ASSESSOR, body, by=admin_user)
            QualificationFactory(user=person, scheme=scheme, witnessed_on=None)
        client.get("/competence/")
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/competence/")
        counts.append(len(captured.captured_queries))
        assert response.status_code == 200
    assert counts[0] == counts[1]
    assert "?page=2" in response.content.decode()


def test_officers_keep_the_risk_register_and_the_committees_decisions(
    client, cb_staff, body, decider, enterprise_user
):
    client.force_login(cb_staff)
    response = client.post(
        "/impartiality/risks/new/",
        {
            "body": body.pk,
            "title": "Doanh thu phụ thuộc một khách hàng lớn",
            "source": "self_interest",
            "description": "Một khách hàng chiếm 40 % doanh thu.",
            "likelihood": "medium",
            "impact": "high",
            "identified_on": "2026-06-01",
        },
    )
    assert response.status_code == 302
    risk = ImpartialityRisk.objects.get()
    response = client.post(
        "/impartiality/meetings/new/",
        {"body": body.pk, "held_on": "2026-06-15", "attendees": "Đại diện doanh nghiệp; Sở"},
    )
    assert response.status_code == 302
    meeting = CommitteeMeeting.objects.get()
    response = client.post(
        f"/impartiality/meetings/{meeting.pk}/",
        {"text": "Giới hạn doanh thu từ một khách hàng dưới 20 %.", "risk": risk.pk},
    )
    assert response.status_code == 302
    assert meeting.decisions.get().risk == risk
    assert "Giới hạn doanh thu" in client.get(f"/impartiality/risks/{risk.pk}/").content.decode()
    closed = client.post(f"/impartiality/risks/{risk.pk}/transitions/close/", {"comment": ""})
    assert closed.status_code == 400  # a reason is required
    client.post(f"/impartiality/risks/{risk.pk}/transitions/close/", {"comment": "Đã đa dạng."})
    risk.refresh_from_db()
    assert risk.state == "closed"
    assert [e.transition for e in history_of(risk)] == ["create", "close"]
    client.force_login(decider)
    assert client.get("/impartiality/").status_code == 200
    assert client.get(f"/impartiality/meetings/{meeting.pk}/").status_code == 200
    assert client.get("/impartiality/risks/new/").status_code == 403
    client.force_login(enterprise_user)
    assert client.get("/impartiality/").status_code == 403
    assert client.get(f"/impartiality/risks/{risk.pk}/").status_code == 404


def test_an_officer_records_a_conflict_of_the_body(client, cb_staff, body, enterprise):
    client.force_login(cb_staff)
    response = client.post(
        "/impartiality/conflicts/new/",
        {
            "body": body.pk,
            "enterprise": enterprise.pk,
            "kind": "shared_ownership",
            "description": "Cùng cổ đông lớn",
            "ended_on": (today() - datetime.timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 302
    conflict = BodyConflict.objects.get()
    assert conflict.recorded_by == cb_staff
    assert "Cùng cổ đông lớn" in client.get("/impartiality/").content.decode()


def test_another_bodys_officer_sees_none_of_these_records(
    client, cb_staff, body, admin_user, province
):
    from certification.tests.factories import BodyFactory

    risk = risk_record(
        body=body,
        by=cb_staff,
        title="Rủi ro",
        source="familiarity",
        description="…",
        likelihood="low",
        impact="low",
        identified_on=today(),
    )
    meeting = meeting_record(body=body, by=cb_staff, held_on=today(), attendees="A, B")
    other = grant(UserFactory(), Role.CB_STAFF, BodyFactory(province=province), by=admin_user)
    client.force_login(other)
    assert "Rủi ro" not in client.get("/impartiality/").content.decode()
    assert client.get(f"/impartiality/risks/{risk.pk}/").status_code == 404
    assert client.get(f"/impartiality/meetings/{meeting.pk}/").status_code == 404
