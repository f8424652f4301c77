"""The cast and files of the notification tests. Fixtures are built outside any captured
commit, so they notify nobody; each test captures the commit of the one action it checks."""

import pytest

from audits.tests import factories as audit_factories
from certification.models import Role
from certification.tests.factories import (
    ProvinceFactory,
    SchemeFactory,
    UserFactory,
    grant,
    registered_body,
)
from notifications.models import Notification


@pytest.fixture
def scheme(db):
    return SchemeFactory()


@pytest.fixture
def registration(body, scheme, regulator, cb_staff):
    return registered_body(body, scheme, regulator=regulator, staff=cb_staff)


@pytest.fixture
def colleague_en(enterprise, admin_user):
    """A second user of the enterprise, who reads in English."""
    user = UserFactory(username="ent_en", preferred_language="en")
    return grant(user, Role.ENTERPRISE, enterprise, by=admin_user)


@pytest.fixture
def other_staff(body, admin_user):
    return grant(UserFactory(username="staff2"), Role.CB_STAFF, body, by=admin_user)


@pytest.fixture
def member(body, admin_user):
    return grant(UserFactory(username="member"), Role.ASSESSOR, body, by=admin_user)


@pytest.fixture
def other_decider(body, admin_user):
    return grant(UserFactory(username="decider2"), Role.DECISION_MAKER, body, by=admin_user)


@pytest.fixture
def other_regulator(admin_user):
    """A regulator of another province."""
    province = ProvinceFactory(code="kon-tum", name="Kon Tum")
    return grant(UserFactory(username="reg_kt"), Role.REGULATOR, province, by=admin_user)


@pytest.fixture
def cast(
    enterprise_user,
    colleague_en,
    other_enterprise_user,
    cb_staff,
    other_staff,
    lead_assessor,
    member,
    decider,
    other_decider,
    regulator,
    other_regulator,
    outsider,
):
    """Everyone, so that a test can check who was told — and that nobody else was."""
    return {
        u.username: u
        for u in (
            enterprise_user,
            colleague_en,
            other_enterprise_user,
            cb_staff,
            other_staff,
            lead_assessor,
            member,
            decider,
            other_decider,
            regulator,
            other_regulator,
            outsider,
        )
    }


@pytest.fixture
def in_evaluation(enterprise, body, scheme, enterprise_user, cb_staff, registration):
    return audit_factories.application_in_evaluation(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        enterprise_user=enterprise_user,
        cb_staff=cb_staff,
    )


@pytest.fixture
def told(django_capture_on_commit_callbacks):
    """`told(action)` runs `action()` and commits it (callbacks executed, Celery eager), then
    returns the notifications it made: {username: [Notification, …]} (and the result)."""

    def run(action):
        before = set(Notification.objects.values_list("pk", flat=True))
        with django_capture_on_commit_callbacks(execute=True):
            result = action()
        made = Notification.objects.exclude(pk__in=before).select_related("recipient")
        people: dict[str, list[Notification]] = {}
        for n in made.order_by("pk"):
            people.setdefault(n.recipient.username, []).append(n)
        run.result = result
        return people

    return run
