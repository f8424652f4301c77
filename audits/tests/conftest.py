import pytest

from audits.models import Audit
from audits.tests import factories
from certification.models import Role
from certification.tests.factories import SchemeFactory, UserFactory, grant, registered_body

# Everyone of the shared cast who is neither on the audit team nor the actor a rule names.
CAST = (
    "enterprise_user",
    "other_enterprise_user",
    "cb_staff",
    "other_assessor",
    "decider",
    "regulator",
    "outsider",
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded documents (registrations, evidence) go to a temporary local storage."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return root


@pytest.fixture
def scheme(db):
    return SchemeFactory()


@pytest.fixture
def registration(body, scheme, regulator, cb_staff):
    return registered_body(body, scheme, regulator=regulator, staff=cb_staff)


@pytest.fixture
def member(body, admin_user):
    """An assessor of the body who joins teams as a member."""
    return grant(UserFactory(username="member"), Role.ASSESSOR, body, by=admin_user)


@pytest.fixture
def observer(body, admin_user):
    return grant(UserFactory(username="observer"), Role.ASSESSOR, body, by=admin_user)


@pytest.fixture
def other_assessor(body, admin_user):
    """An assessor of the same body who is on no team."""
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
def planned_stage1(application, cb_staff, lead_assessor, member, observer):
    """A stage 1 audit ready to start: lead (qualified), member and observer, all signed."""
    return factories.planned_audit(
        staff=cb_staff,
        lead=lead_assessor,
        application=application,
        kind=Audit.Kind.STAGE1,
        members=[(member, "member"), (observer, "observer")],
    )


@pytest.fixture
def stage1(planned_stage1, lead_assessor):
    """The stage 1 audit in progress."""
    from audits.services import audit_start

    return audit_start(audit=planned_stage1, by=lead_assessor)


@pytest.fixture
def certificate(application, cb_staff, lead_assessor, decider):
    return factories.certify(application, staff=cb_staff, lead=lead_assessor, decider=decider)


@pytest.fixture(params=CAST)
def stranger(request):
    """Each member of the cast in turn who may not act (see CAST)."""
    return request.getfixturevalue(request.param)
