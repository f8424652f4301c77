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
    "national",
}
# GLCERT's two other official auditors (the registration minimum is 4): they cannot sign in.
AUDITORS = {"auditor3", "auditor4"}


def seed():
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", "--force", stdout=quiet)


def test_seed_demo_creates_the_accounts_of_the_spec_with_their_roles():
    seed()
    assert set(User.objects.values_list("username", flat=True)) == SPEC_ACCOUNTS | AUDITORS
    for username in AUDITORS:
        assert not User.objects.get(username=username).has_usable_password()
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
    evaluating = Application.objects.get(state="in_evaluation", enterprise__tax_code="5901187641")
    open_findings = Finding.objects.filter(audit__application=evaluating).exclude(state="closed")
    assert open_findings.count() >= 2
    certificate = Certificate.objects.get(enterprise__tax_code="5900432185")
    assert certificate.state == Certificate.State.ACTIVE
    assert certificate.number.startswith("GLCERT-TXNG-")
    assert BodyRegistration.objects.get().state == BodyRegistration.State.REGISTERED


def test_demo_data_shows_a_restored_certificate_a_sampled_multi_site_file_and_a_stop_use_notice():
    """Issue 14, acceptance 4."""
    from audits.models import Audit
    from certification.models import Application, Certificate

    seed()
    restored = Certificate.objects.get(enterprise__tax_code="5900189540")
    assert restored.state == Certificate.State.ACTIVE
    assert restored.lapsed_from and restored.lapsed_until == restored.valid_from
    assert restored.decision.application.kind == Application.Kind.RECERTIFICATION
    assert restored.decision.application.state == Application.State.CERTIFIED

    multi_site = Application.objects.get(enterprise__tax_code="5901234563")
    audit = Audit.objects.get(application=multi_site)
    assert len(multi_site.sites) == 9 and len(audit.sampled_sites) == 3
    assert "Sân phơi và kho tập kết Phú Tâm" in audit.sampled_sites
    assert audit.planned_man_days is not None

    suspended = Certificate.objects.get(enterprise__tax_code="5901345672")
    assert suspended.state == Certificate.State.SUSPENDED
    notice = suspended.stop_use_notices.get()
    assert notice.deadline > notice.issued_on
    special = Audit.objects.get(certificate=suspended, kind=Audit.Kind.SPECIAL)
    assert special.short_notice and special.special_reason


def test_seed_demo_has_a_national_regulator_who_registered_glcert_with_four_auditors():
    """Issue 15, problem 4: the demo's registration is decided nationally and meets the
    minimum of qualified auditors."""
    from audits.selectors import qualified_auditor_count
    from certification.models import BodyRegistration
    from certification.selectors import is_national_regulator, jurisdictions_of
    from core.models import LogEntry

    seed()
    national = User.objects.get(username="national")
    assert is_national_regulator(national)
    assert not is_national_regulator(User.objects.get(username="regulator"))
    assert [p.code for p in jurisdictions_of(User.objects.get(username="regulator"))] == ["gia-lai"]
    registration = BodyRegistration.objects.get(body__code="GLCERT")
    assert registration.state == BodyRegistration.State.REGISTERED
    assert qualified_auditor_count(registration.body, registration.scheme) >= 4
    entry = LogEntry.objects.for_object(registration).get(transition="register")
    assert entry.actor == national
