import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audits.tests import conftest as audits_cast
from tracing import services
from tracing.tests.epcis_builders import coffee_chain, document

# The cast of an audit, as the audits app's tests make it (one definition of each fixture).
scheme = audits_cast.scheme
registration = audits_cast.registration
member = audits_cast.member
observer = audits_cast.observer
other_assessor = audits_cast.other_assessor
application = audits_cast.application
planned_stage1 = audits_cast.planned_stage1
stage1 = audits_cast.stage1


@pytest.fixture
def planned(planned_stage1):
    return planned_stage1


@pytest.fixture
def audit(stage1):
    """An audit in progress: lead, member and observer on the team."""
    return stage1


def epcis_file(events=None, name="events.jsonld", raw: bytes | None = None):
    content = raw if raw is not None else json.dumps(document(events or coffee_chain())).encode()
    return SimpleUploadedFile(name, content, content_type="application/ld+json")


@pytest.fixture
def dataset(audit, member):
    return services.epcis_dataset_upload(audit=audit, by=member, file=epcis_file())


@pytest.fixture
def analysis(dataset, member):
    return services.trace_analyse(dataset=dataset, by=member, gtin="8934588012235", lot="RG-1")
