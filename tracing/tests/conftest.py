import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audits.models import Audit
from audits.tests import factories
from certification.models import Role
from certification.tests.factories import SchemeFactory, UserFactory, grant, registered_body
from tracing import services
from tracing.tests.epcis_builders import coffee_chain, document


@pytest.fixture
def scheme(db):
    return SchemeFactory()


@pytest.fixture
def registration(body, scheme, regulator, cb_staff):
    return registered_body(body, scheme, regulator=regulator, staff=cb_staff)


@pytest.fixture
def member(body, admin_user):
    return grant(UserFactory(username="member"), Role.ASSESSOR, body, by=admin_user)


@pytest.fixture
def observer(body, admin_user):
    return grant(UserFactory(username="observer"), Role.ASSESSOR, body, by=admin_user)


@pytest.fixture
def other_assessor(body, admin_user):
    return grant(UserFactory(username="assessor2"), Role.ASSESSOR, body, by=admin_user)


@pytest.fixture
def application(enterprise, body, scheme, enterprise_user, cb_staff, registration):
    return factories.application_in_evaluation(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        enterprise_user=enterprise_user,
        cb_staff=cb_staff,
    )


@pytest.fixture
def planned(application, cb_staff, lead_assessor, member, observer):
    return factories.planned_audit(
        staff=cb_staff,
        lead=lead_assessor,
        application=application,
        kind=Audit.Kind.STAGE1,
        members=[(member, "member"), (observer, "observer")],
    )


@pytest.fixture
def audit(planned, lead_assessor):
    """An audit in progress: lead, member and observer on the team."""
    from audits.services import audit_start

    return audit_start(audit=planned, by=lead_assessor)


def epcis_file(events=None, name="events.jsonld", raw: bytes | None = None):
    content = raw if raw is not None else json.dumps(document(events or coffee_chain())).encode()
    return SimpleUploadedFile(name, content, content_type="application/ld+json")


@pytest.fixture
def dataset(audit, member):
    return services.epcis_dataset_upload(audit=audit, by=member, file=epcis_file())


@pytest.fixture
def analysis(dataset, member):
    return services.trace_analyse(dataset=dataset, by=member, gtin="8934588012235", lot="RG-1")
