import pytest

from audits.models import AuditTeamMember, Finding, ImpartialityDeclaration
from audits.services import finding_raise
from audits.tests.factories import record_trace_test
from core.services import history_of

pytestmark = pytest.mark.django_db


def test_an_administrator_reads_an_audit_and_its_records_but_edits_no_state(
    client, admin_user, stage1, lead_assessor
):
    finding = finding_raise(audit=stage1, by=lead_assessor, severity="minor", description="Thiếu.")
    trace = record_trace_test(stage1, lead_assessor)
    client.force_login(admin_user)
    pages = [
        f"/admin/audits/audit/{stage1.pk}/change/",
        f"/admin/audits/finding/{finding.pk}/change/",
        f"/admin/audits/tracetest/{trace.pk}/change/",
        f"/admin/audits/auditteammember/{AuditTeamMember.objects.first().pk}/change/",
        f"/admin/audits/impartialitydeclaration/{ImpartialityDeclaration.objects.first().pk}/change/",
    ]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        assert 'name="state"' not in page.text
    assert client.get("/admin/audits/audit/add/").status_code == 403
    assert client.get("/admin/audits/finding/add/").status_code == 403
    client.post(f"/admin/audits/finding/{finding.pk}/change/", {"severity": "major"})
    finding.refresh_from_db()
    assert (finding.severity, finding.state) == ("minor", Finding.State.OPEN)


@pytest.mark.competence_as_recorded
def test_an_administrator_records_an_assessor_qualification(client, admin_user, member, scheme):
    client.force_login(admin_user)
    response = client.post(
        "/admin/audits/assessorqualification/add/",
        {
            "user": member.pk,
            "scheme": scheme.pk,
            "valid_from": "2026-01-01",
            "valid_until": "2028-12-31",
            "function": "lead",
            "technical_area": "crop",
            "witnessed_on": "2025-11-20",
            "note": "Khóa đào tạo chuyên gia trưởng 2025.",
        },
    )
    assert response.status_code == 302
    record = member.qualifications.get()
    assert (record.function, record.technical_area) == ("lead", "crop")
    assert history_of(record).get().transition == "create"
