"""M1 and L7: a document is exactly as visible as what it belongs to — through the pages, the
API and the download alike. An assessor reads the reports of the audits they are on, not every
audit of their body; a regulator's scope follows the enterprise's province."""

import pytest

from certification.models import Role
from certification.tests.factories import (
    BodyFactory,
    EnterpriseFactory,
    ProvinceFactory,
    UserFactory,
    grant,
)
from core.tests.api_helpers import API, api_as
from documents.models import Document
from documents.selectors import documents_visible_to
from documents.services import document_upload
from documents.tests import factories

pytestmark = pytest.mark.django_db


def _report(audit, by) -> Document:
    return document_upload(owner=audit, doc_type="general", file=factories.pdf(), by=by)


def _sees(client_user, document, client) -> dict[str, bool]:
    client.force_login(client_user)
    page = client.get(f"/documents/{document.pk}/download/")
    api = api_as(client_user)
    listed = api.get(f"{API}/documents/").json()["results"]
    return {
        "download": page.status_code == 200,
        "api_detail": api.get(f"{API}/documents/{document.pk}/").status_code == 200,
        "api_list": document.pk in [row["id"] for row in listed],
        "selector": documents_visible_to(client_user).filter(pk=document.pk).exists(),
    }


@pytest.fixture
def two_audits(
    enterprise, other_enterprise, body, enterprise_user, cb_staff, lead_assessor, admin_user
):
    colleague = grant(UserFactory(username="colleague"), Role.ASSESSOR, body, by=admin_user)
    mine = factories.audit(
        application=factories.application(
            enterprise=enterprise, body=body, created_by=enterprise_user
        ),
        created_by=cb_staff,
        team=[(lead_assessor, "lead")],
    )
    theirs = factories.audit(
        application=factories.application(
            enterprise=other_enterprise, body=body, created_by=enterprise_user
        ),
        created_by=cb_staff,
        team=[(colleague, "lead")],
    )
    return mine, theirs, colleague


def test_an_assessor_downloads_the_report_of_their_audit_not_of_a_colleagues(
    client, two_audits, lead_assessor, cb_staff
):
    mine, theirs, colleague = two_audits
    own_report = _report(mine, lead_assessor)
    colleagues_report = _report(theirs, colleague)
    assert set(_sees(lead_assessor, own_report, client).values()) == {True}
    assert set(_sees(lead_assessor, colleagues_report, client).values()) == {False}
    # The body's officer still sees both.
    assert set(_sees(cb_staff, colleagues_report, client).values()) == {True}


def test_the_audit_and_its_documents_answer_alike_for_an_assessor_off_the_team(
    client, two_audits, lead_assessor
):
    _mine, theirs, colleague = two_audits
    report = _report(theirs, colleague)
    client.force_login(lead_assessor)
    assert client.get(f"/audits/{theirs.pk}/").status_code == 404
    assert client.get(f"/documents/{report.pk}/download/").status_code == 404


def test_a_regulators_document_scope_follows_the_enterprises_province(
    client, admin_user, province, cb_staff
):
    regulator = grant(UserFactory(username="so-khcn"), Role.REGULATOR, province, by=admin_user)
    elsewhere = ProvinceFactory(code="dak-lak", name="Đắk Lắk")
    body_elsewhere = BodyFactory(province=elsewhere, code="DLCERT")
    staff_elsewhere = grant(UserFactory(), Role.CB_STAFF, body_elsewhere, by=admin_user)
    # An enterprise of the regulator's province certified by a body located elsewhere: seen.
    local_enterprise = EnterpriseFactory(province=province)
    ours = document_upload(
        owner=factories.application(
            enterprise=local_enterprise,
            body=body_elsewhere,
            created_by=staff_elsewhere,
            state="submitted",
        ),
        doc_type="general",
        file=factories.pdf(),
        by=staff_elsewhere,
    )
    # An enterprise of another province certified by a body located here: not seen.
    body_here = cb_staff.memberships.get().organisation
    far_enterprise = EnterpriseFactory(province=elsewhere)
    not_ours = document_upload(
        owner=factories.application(
            enterprise=far_enterprise, body=body_here, created_by=cb_staff, state="submitted"
        ),
        doc_type="general",
        file=factories.pdf(),
        by=cb_staff,
    )
    assert set(_sees(regulator, ours, client).values()) == {True}
    assert set(_sees(regulator, not_ours, client).values()) == {False}


def test_a_regulator_sees_audit_documents_by_the_enterprises_province(
    client, admin_user, province, cb_staff, lead_assessor, enterprise_user
):
    regulator = grant(UserFactory(username="so-khcn"), Role.REGULATOR, province, by=admin_user)
    elsewhere = ProvinceFactory(code="dak-lak", name="Đắk Lắk")
    body_here = cb_staff.memberships.get().organisation
    audit = factories.audit(
        application=factories.application(
            enterprise=EnterpriseFactory(province=elsewhere), body=body_here, created_by=cb_staff
        ),
        created_by=cb_staff,
        team=[(lead_assessor, "lead")],
    )
    report = _report(audit, lead_assessor)
    assert set(_sees(regulator, report, client).values()) == {False}
