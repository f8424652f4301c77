"""Global search (`/search/?q=`): each role finds exactly what it may open — applications and
certificates by number or by their enterprise's name or tax code, enterprises by name or tax
code — and never an outsider's application; a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certification.models import Role
from certification.services import application_create, application_submit
from certification.tests.conftest import SCOPE
from certification.tests.factories import BodyFactory, EnterpriseFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

URL = "/search/"


def found(client, user, term: str) -> dict[str, set[str]]:
    client.force_login(user)
    response = client.get(URL, {"q": term})
    assert response.status_code == 200
    results = response.context["results"]
    return {
        "applications": {a.number for a in results.applications},
        "certificates": {c.number for c in results.certificates},
        "enterprises": {o.name for o in results.enterprises},
    }


@pytest.fixture
def elsewhere(other_province, scheme, admin_user):
    """An enterprise of another province, applying to another body: nobody of ours sees it."""
    body = BodyFactory(province=other_province, code="KTCERT")
    enterprise = EnterpriseFactory(province=other_province, name="Công ty Cà phê Đắk Tô")
    user = grant(UserFactory(username="ent-kt"), Role.ENTERPRISE, enterprise, by=admin_user)
    application = application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=user, **SCOPE
    )
    return application_submit(application=application, by=user)


@pytest.fixture
def neighbour(other_enterprise, body, scheme, other_enterprise_user):
    """The other enterprise of our province has submitted an application to our body."""
    application = application_create(
        enterprise=other_enterprise, body=body, scheme=scheme, by=other_enterprise_user, **SCOPE
    )
    return application_submit(application=application, by=other_enterprise_user)


def test_the_enterprise_finds_its_own_file_and_nothing_of_others(
    client, certificate, neighbour, elsewhere, enterprise_user
):
    mine = found(client, enterprise_user, "Chư Sê")
    assert mine["applications"] == {certificate.application.number}
    assert mine["certificates"] == {certificate.number}
    assert mine["enterprises"] == {"Công ty TNHH Cà phê Chư Sê"}
    assert found(client, enterprise_user, neighbour.number) == {
        "applications": set(),
        "certificates": set(),
        "enterprises": set(),
    }
    # "Cà phê" matches the enterprise elsewhere too: it is not found.
    assert found(client, enterprise_user, "Cà phê")["enterprises"] == {"Công ty TNHH Cà phê Chư Sê"}


def test_another_enterprise_does_not_find_a_certificate_by_number(
    client, certificate, other_enterprise_user
):
    assert found(client, other_enterprise_user, certificate.number)["certificates"] == set()


def test_body_staff_find_their_bodys_files_but_not_another_bodys(
    client, certificate, neighbour, elsewhere, cb_staff
):
    by_name = found(client, cb_staff, "Công ty")
    assert by_name["applications"] == {certificate.application.number, neighbour.number}
    assert elsewhere.number not in by_name["applications"]
    assert "Công ty Cà phê Đắk Tô" not in by_name["enterprises"]
    by_tax_code = found(client, cb_staff, certificate.enterprise.tax_code)
    assert by_tax_code["certificates"] == {certificate.number}
    assert found(client, cb_staff, elsewhere.number)["applications"] == set()


def test_the_regulator_finds_its_province_only(client, certificate, elsewhere, regulator):
    seen = found(client, regulator, "Cà phê")
    assert seen["applications"] == {certificate.application.number}
    assert seen["certificates"] == {certificate.number}
    assert "Công ty Cà phê Đắk Tô" not in seen["enterprises"]


def test_a_person_without_a_role_finds_nothing(client, certificate, outsider):
    for term in (certificate.number, "Cà phê", certificate.enterprise.tax_code):
        assert found(client, outsider, term) == {
            "applications": set(),
            "certificates": set(),
            "enterprises": set(),
        }


def test_a_short_term_searches_nothing_and_says_so(client, certificate, cb_staff):
    client.force_login(cb_staff)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"q": "G"})
    assert "Nhập ít nhất 2 ký tự." in response.content.decode()
    assert not any("certification_application" in q["sql"] for q in captured.captured_queries)


def test_nothing_found_is_said_plainly(client, certificate, cb_staff):
    client.force_login(cb_staff)
    response = client.get(URL, {"q": "không-có-gì"})
    assert "Không có kết quả nào bạn được xem khớp với “không-có-gì”." in response.content.decode()


def test_signing_in_is_required(client):
    response = client.get(URL, {"q": "GLCERT"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_queries_do_not_grow_with_the_results(client, certificate, cb_staff, scheme, body):
    def count() -> int:
        client.force_login(cb_staff)
        client.get(URL, {"q": "Công ty"})
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, {"q": "Công ty"}).status_code == 200
        return len(captured.captured_queries)

    few = count()
    for n in range(5):
        enterprise = EnterpriseFactory(province=body.province, name=f"Công ty số {n}")
        application_create(enterprise=enterprise, body=body, scheme=scheme, by=cb_staff, **SCOPE)
    assert count() == few
