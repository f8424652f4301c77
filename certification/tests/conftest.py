import pytest

from certification.services import (
    application_accept,
    application_create,
    application_start_review,
    application_submit,
)
from certification.tests.factories import SchemeFactory, registered_body

SCOPE = {
    "products": [{"name": "Cà phê nhân Robusta Chư Sê", "gtin": "8934567000017"}],
    "sites": [{"name": "Nhà máy chế biến Chư Sê", "address": "Quốc lộ 14, xã Chư Sê"}],
    "stages": ["primary_production", "processing", "packing"],
    "sector_standard": "TCVN 12827:2023",
}


@pytest.fixture
def scheme(db):
    return SchemeFactory()


@pytest.fixture
def registration(body, scheme, regulator, cb_staff):
    return registered_body(body, scheme, regulator=regulator, staff=cb_staff)


@pytest.fixture
def draft(enterprise, body, scheme, enterprise_user):
    return application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user, **SCOPE
    )


@pytest.fixture
def submitted(draft, enterprise_user):
    return application_submit(application=draft, by=enterprise_user)


@pytest.fixture
def under_review(submitted, cb_staff):
    return application_start_review(application=submitted, by=cb_staff)


@pytest.fixture
def in_evaluation(under_review, cb_staff, registration):
    return application_accept(
        application=under_review,
        by=cb_staff,
        contract_reference="HĐ-2026/015",
        scope_within_competence=True,
    )
