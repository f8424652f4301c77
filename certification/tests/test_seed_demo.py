import pytest
from django.core.management import CommandError, call_command

from certification.models import Membership, Organisation, Role
from certification.selectors import has_role
from core.models import User

pytestmark = pytest.mark.django_db

SPEC_ACCOUNTS = {
    "admin",
    "enterprise",
    "enterprise2",
    "cbstaff",
    "lead",
    "assessor",
    "decider",
    "regulator",
}


def seed():
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", "--force", stdout=quiet)


def test_seed_demo_creates_the_accounts_of_the_spec_with_their_roles():
    seed()
    assert set(User.objects.values_list("username", flat=True)) == SPEC_ACCOUNTS
    body = Organisation.objects.get(code="GLCERT")
    assert body.kind == Organisation.Kind.CERTIFICATION_BODY
    lead = User.objects.get(username="lead")
    assert has_role(lead, Role.ASSESSOR, body)
    enterprise = Organisation.objects.get(name="Công ty TNHH Cà phê Chư Sê")
    assert has_role(User.objects.get(username="enterprise"), Role.ENTERPRISE, enterprise)
    assert not has_role(User.objects.get(username="enterprise2"), Role.ENTERPRISE, enterprise)
    assert User.objects.get(username="admin").is_superuser
    for org in Organisation.objects.all():
        org.full_clean()  # demo tax codes are valid


def test_seed_demo_twice_changes_nothing():
    seed()
    counts = (User.objects.count(), Organisation.objects.count(), Membership.objects.count())
    seed()
    assert (
        User.objects.count(),
        Organisation.objects.count(),
        Membership.objects.count(),
    ) == counts


def test_seed_demo_uses_the_demo_password(settings):
    settings.DEMO_PASSWORD = "another-Pass-99"
    seed()
    assert User.objects.get(username="decider").check_password("another-Pass-99")


def test_seed_demo_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_demo_data_holds_files_in_several_states_for_every_page():
    from audits.models import Finding
    from certification.models import Application, BodyRegistration, Certificate

    seed()
    states = set(Application.objects.values_list("state", flat=True))
    assert {"draft", "in_evaluation", "certified"} <= states
    evaluating = Application.objects.get(state="in_evaluation")
    open_findings = Finding.objects.filter(audit__application=evaluating).exclude(state="closed")
    assert open_findings.count() >= 2
    certificate = Certificate.objects.get()
    assert certificate.state == Certificate.State.ACTIVE
    assert certificate.number.startswith("GLCERT-TXNG-")
    assert BodyRegistration.objects.get().state == BodyRegistration.State.REGISTERED
