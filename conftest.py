"""Fixtures shared by every app's tests: the cast of people and organisations."""

import socket
import uuid

import pytest
from django.core.cache import caches
from django.utils import translation

from certification.models import Role
from certification.tests.factories import (
    BodyFactory,
    EnterpriseFactory,
    ProvinceFactory,
    UserFactory,
    grant,
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing cost is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    # Uploaded and generated files of a test never land in the project's media folder.
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _signing_keys_in_a_temporary_folder(settings, tmp_path):
    # A body signs only when a test puts a key here (signing/tests/conftest.py); keys made by
    # `make demo` in var/signing are never picked up by a test.
    settings.SIGNING_KEY_STORE = "pkcs12"
    settings.SIGNING_PKCS12_PATH = str(tmp_path / "signing" / "{body}.p12")
    settings.SIGNING_PKCS12_PASSWORD = ""
    settings.SIGNING_TSA_URL = None


@pytest.fixture(autouse=True)
def _each_test_starts_and_ends_in_the_default_language():
    # A request in English (cookie, header or `?lang=`) leaves its language active on the
    # thread; without this a later test in the same process would read English.
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _standing_competence(request):
    """The cast is competent unless a test says otherwise: every assessor, officer and decision
    maker gets a competence record (lead auditor, technical reviewer, decision maker) for every
    scheme, witnessed on the day they joined, whichever of person and scheme comes first.
    Tests of the competence checks opt out with `@pytest.mark.competence_as_recorded` and
    record exactly what they test."""
    if request.node.get_closest_marker("competence_as_recorded"):
        yield
        return
    from django.db.models.signals import post_save

    from certification.models import Membership, Scheme
    from certification.tests.factories import give_standing_competence

    def on_membership(sender, instance, created, **kwargs):
        if created:
            give_standing_competence(memberships=[instance])

    def on_scheme(sender, instance, created, **kwargs):
        if created:
            give_standing_competence(schemes=[instance])

    post_save.connect(on_membership, sender=Membership, dispatch_uid="test_competence_m")
    post_save.connect(on_scheme, sender=Scheme, dispatch_uid="test_competence_s")
    try:
        yield
    finally:
        post_save.disconnect(sender=Membership, dispatch_uid="test_competence_m")
        post_save.disconnect(sender=Scheme, dispatch_uid="test_competence_s")


@pytest.fixture
def province(db):
    return ProvinceFactory(code="gia-lai", name="Gia Lai", authority_name="Sở KH&CN tỉnh Gia Lai")


@pytest.fixture
def other_province(db):
    return ProvinceFactory(code="kon-tum", name="Kon Tum")


@pytest.fixture
def enterprise(province):
    return EnterpriseFactory(province=province, name="Công ty TNHH Cà phê Chư Sê")


@pytest.fixture
def other_enterprise(province):
    return EnterpriseFactory(province=province, name="Công ty CP Hồ tiêu Ia Grai")


@pytest.fixture
def body(province):
    return BodyFactory(province=province, code="GLCERT")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def enterprise_user(enterprise, admin_user):
    return grant(UserFactory(username="ent"), Role.ENTERPRISE, enterprise, by=admin_user)


@pytest.fixture
def other_enterprise_user(other_enterprise, admin_user):
    return grant(UserFactory(username="ent2"), Role.ENTERPRISE, other_enterprise, by=admin_user)


@pytest.fixture
def cb_staff(body, admin_user):
    return grant(UserFactory(username="staff"), Role.CB_STAFF, body, by=admin_user)


@pytest.fixture
def lead_assessor(body, admin_user):
    return grant(UserFactory(username="lead"), Role.ASSESSOR, body, by=admin_user)


@pytest.fixture
def decider(body, admin_user):
    return grant(UserFactory(username="decider"), Role.DECISION_MAKER, body, by=admin_user)


@pytest.fixture
def regulator(province, admin_user):
    return grant(UserFactory(username="reg"), Role.REGULATOR, province, by=admin_user)


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def national_province(db):
    """The row standing for the whole country (created by a data migration)."""
    from certification.models import Province

    national, _created = Province.objects.get_or_create(
        is_national=True,
        defaults={
            "code": "toan-quoc",
            "name": "Toàn quốc",
            "authority_name": "Ủy ban Tiêu chuẩn Đo lường Chất lượng Quốc gia",
        },
    )
    return national


@pytest.fixture
def national_regulator(national_province, admin_user):
    """A regulator of the national jurisdiction: sees every province, decides registrations."""
    return grant(UserFactory(username="national"), Role.REGULATOR, national_province, by=admin_user)


@pytest.fixture
def redis_cache(settings):
    """The default cache in the Redis of this machine (database 2, a prefix of its own per
    test), as production runs; for the integration tests that need Redis itself."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            answers = s.recv(16).startswith(b"+PONG")
    except OSError:
        answers = False
    if not answers:
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/2",
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    yield caches["default"]
    caches["default"].clear()
