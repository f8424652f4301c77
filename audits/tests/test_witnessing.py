"""Witnessed and monitored audits (issue 15): each witnessing is a record (person, function,
audit or external reference, witness, date, kind, outcome, notes, evidence); the competence
check counts the latest satisfactory one, with the reason shown when it refuses; officers
record them on a page per person and through the API."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from audits.models import Audit, WitnessedAudit
from audits.services import audit_plan, audit_team_add
from audits.services_people import witnessing_save
from audits.tests.factories import QualificationFactory
from certification.models import Role
from certification.tests.factories import UserFactory, grant
from core.clock import today
from core.exceptions import DomainError
from core.models import LogEntry
from core.tests.api_helpers import API, api_as
from documents.models import Document

pytestmark = [pytest.mark.django_db, pytest.mark.competence_as_recorded]


def plan(application, staff):
    return audit_plan(
        application=application,
        kind=Audit.Kind.STAGE1,
        planned_start=today(),
        planned_end=today() + datetime.timedelta(days=1),
        by=staff,
    )


def witnessed(person, *, by, ago, outcome="satisfactory", function="auditor", **fields):
    fields.setdefault("external_reference", "Đánh giá giám sát tại Công ty X, BC-2023-14")
    fields.setdefault("witness", by)
    return witnessing_save(
        by=by,
        user=person,
        function=function,
        witnessed_on=today() - ago,
        kind="on_site",
        outcome=outcome,
        notes="",
        **fields,
    )


def line(person, scheme, function="auditor", witnessed_on=None):
    """A competence line without a date of its own (the records decide)."""
    return QualificationFactory(
        user=person, scheme=scheme, function=function, witnessed_on=witnessed_on
    )


def refusal(application, cb_staff, person, audit=None) -> str:
    audit = audit or plan(application, cb_staff)
    with pytest.raises(DomainError) as refused, translation.override("en"):
        audit_team_add(audit=audit, user=person, role="member", by=cb_staff)
    assert refused.value.code == "member_not_qualified"
    assert not audit.team.exists()
    return refused.value.message


def test_a_person_last_witnessed_four_years_ago_is_refused_with_the_reason(
    application, cb_staff, member, scheme
):
    # The line's own date (100 days ago) no longer counts once records exist.
    line(member, scheme, witnessed_on=today() - datetime.timedelta(days=100))
    witnessed(member, by=cb_staff, ago=relativedelta(years=4))
    reason = refusal(application, cb_staff, member)
    assert "was last witnessed auditing on" in reason and "more than 3 years" in reason


def test_a_person_witnessed_only_unsatisfactorily_is_refused_with_the_reason(
    application, cb_staff, member, scheme
):
    line(member, scheme)
    witnessed(member, by=cb_staff, ago=relativedelta(years=1), outcome="unsatisfactory")
    reason = refusal(application, cb_staff, member)
    assert "was unsatisfactory" in reason and member.get_full_name() in reason


def test_a_later_unsatisfactory_witnessing_stops_an_earlier_satisfactory_one_counting(
    application, cb_staff, member, scheme
):
    line(member, scheme)
    witnessed(member, by=cb_staff, ago=relativedelta(years=2))
    witnessed(member, by=cb_staff, ago=relativedelta(months=2), outcome="unsatisfactory")
    audit = plan(application, cb_staff)
    assert "was unsatisfactory" in refusal(application, cb_staff, member, audit)
    # A satisfactory witnessing after it restores it.
    witnessed(member, by=cb_staff, ago=relativedelta(days=5))
    assert audit_team_add(audit=audit, user=member, role="member", by=cb_staff).role == "member"


def test_a_satisfactory_witnessing_a_year_ago_qualifies(application, cb_staff, member, scheme):
    record = line(member, scheme)
    witnessed(member, by=cb_staff, ago=relativedelta(months=5), outcome="needs_improvement")
    witnessed(member, by=cb_staff, ago=relativedelta(years=1))
    record.refresh_from_db()
    assert record.last_witnessed() == today() - relativedelta(years=1)
    assert record.witness_due() == today() - relativedelta(years=1) + relativedelta(years=3)
    audit = plan(application, cb_staff)
    assert audit_team_add(audit=audit, user=member, role="member", by=cb_staff).role == "member"


def test_without_any_record_the_lines_own_date_still_counts(application, cb_staff, member, scheme):
    """Lines imported or entered before the records keep their date as a fallback."""
    line(member, scheme, witnessed_on=today() - relativedelta(years=1))
    audit = plan(application, cb_staff)
    assert audit_team_add(audit=audit, user=member, role="member", by=cb_staff).role == "member"


def test_only_officers_of_the_persons_body_record_and_the_record_is_checked(
    application, cb_staff, member, other_assessor, enterprise_user
):
    with pytest.raises(PermissionDenied):
        witnessed(member, by=other_assessor, ago=relativedelta(days=1), witness=other_assessor)
    with pytest.raises(PermissionDenied):
        witnessed(member, by=enterprise_user, ago=relativedelta(days=1), witness=cb_staff)
    with pytest.raises(ValidationError) as invalid:
        witnessed(member, by=cb_staff, ago=relativedelta(days=1), external_reference="")
    assert invalid.value.messages
    with pytest.raises(ValidationError):
        witnessed(member, by=cb_staff, ago=relativedelta(days=1), witness=member)
    with pytest.raises(ValidationError) as not_on_team:
        witnessed(member, by=cb_staff, ago=relativedelta(days=1), audit=plan(application, cb_staff))
    assert "audit" in not_on_team.value.message_dict
    assert not WitnessedAudit.objects.exists()


def _form(person, witness, **extra):
    return {
        "user": person.pk,
        "function": "auditor",
        "external_reference": "BC-2025-07",
        "witness": witness.pk,
        "witnessed_on": (today() - datetime.timedelta(days=30)).isoformat(),
        "kind": "remote",
        "outcome": "satisfactory",
        "notes": "Phỏng vấn tốt.",
        **extra,
    }


def test_an_officer_records_a_witnessing_on_the_page_with_its_evidence_and_history(
    client, cb_staff, member, scheme
):
    client.force_login(cb_staff)
    evidence = SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    response = client.post(
        "/competence/witnessing/new/", {**_form(member, cb_staff), "evidence": evidence}
    )
    assert response.status_code == 302
    record = WitnessedAudit.objects.get()
    assert (record.user, record.witness, record.kind) == (member, cb_staff, "remote")
    assert Document.objects.for_owner(record).of_type("evidence").count() == 1
    response = client.post(
        f"/competence/witnessing/{record.pk}/",
        _form(member, cb_staff, outcome="needs_improvement"),
    )
    assert response.status_code == 302
    transitions = list(
        LogEntry.objects.for_object(record).order_by("id").values_list("transition", flat=True)
    )
    assert transitions == ["create", "edit"]
    page = client.get(f"/competence/witnessing/?user={member.pk}").content.decode()
    assert "BC-2025-07" in page and "edit" in page
    # The competence page shows the date that counts and links to the records.
    line(member, scheme)
    page = client.get("/competence/").content.decode()
    assert f"/competence/witnessing/?user={member.pk}" in page


def test_a_refused_evidence_file_leaves_no_record(client, cb_staff, member):
    client.force_login(cb_staff)
    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00binary", "application/octet-stream")
    response = client.post(
        "/competence/witnessing/new/", {**_form(member, cb_staff), "evidence": bad}
    )
    assert response.status_code == 415
    assert not WitnessedAudit.objects.exists() and not Document.objects.exists()


def test_the_witnessing_page_is_for_officers_only(client, member, enterprise_user):
    for user in (member, enterprise_user):
        client.force_login(user)
        assert client.get("/competence/witnessing/").status_code == 403
        assert client.post("/competence/witnessing/new/", _form(member, member)).status_code == 403
    assert not WitnessedAudit.objects.exists()


def test_the_witnessing_list_pages_with_constant_queries(client, cb_staff, body, admin_user):
    client.force_login(cb_staff)

    def add(n):
        for i in range(n):
            person = grant(UserFactory(), Role.ASSESSOR, body, by=admin_user)
            witnessed(person, by=cb_staff, ago=relativedelta(days=10 + i))

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/competence/witnessing/").status_code == 200
    add(6)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/competence/witnessing/")
    assert page.status_code == 200 and page.context["page_obj"].paginator.count == 8
    assert len(many) == len(few)


def test_the_api_lists_and_records_witnessings_and_the_competence_line_shows_the_date(
    cb_staff, member, scheme, enterprise_user
):
    record = line(member, scheme)
    api = api_as(cb_staff)
    payload = {
        "user": member.pk,
        "function": "auditor",
        "external_reference": "BC-2025-08",
        "witness": cb_staff.pk,
        "witnessed_on": (today() - relativedelta(years=1)).isoformat(),
        "kind": "file_review",
        "outcome": "satisfactory",
    }
    created = api.post(f"{API}/witnessed-audits/", payload, format="json")
    assert created.status_code == 201, created.content
    listed = api.get(f"{API}/witnessed-audits/?user={member.pk}").json()
    assert [row["id"] for row in listed["results"]] == [created.json()["id"]]
    detail = api.get(f"{API}/assessor-qualifications/{record.pk}/").json()
    assert detail["last_witnessed"] == payload["witnessed_on"]
    outsider = api_as(enterprise_user)
    assert outsider.get(f"{API}/witnessed-audits/").json()["results"] == []
    assert outsider.get(f"{API}/witnessed-audits/{created.json()['id']}/").status_code == 404
    refused = outsider.post(f"{API}/witnessed-audits/", payload, format="json")
    assert refused.status_code == 403
    assert WitnessedAudit.objects.count() == 1
