import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from certification.models import Membership, Role
from certification.selectors import has_role, jurisdictions_of, organisations_for_role
from certification.services import membership_end, membership_grant
from certification.tests.factories import UserFactory
from core.exceptions import DomainError
from core.models import LogEntry
from core.services import history_of

pytestmark = pytest.mark.django_db


def test_granting_a_role_gives_the_object_permission_and_logs_it(enterprise, admin_user):
    user = UserFactory()
    membership = membership_grant(
        user=user, role=Role.ENTERPRISE, organisation=enterprise, by=admin_user
    )
    assert has_role(user, Role.ENTERPRISE, enterprise)
    assert user.has_perm("certification.view_organisation", enterprise)
    assert list(organisations_for_role(user, Role.ENTERPRISE)) == [enterprise]
    [entry] = history_of(membership)
    assert (entry.transition, entry.target_state, entry.actor) == ("grant", "active", admin_user)


def test_a_role_is_only_held_where_it_was_granted(enterprise_user, other_enterprise, body):
    assert not has_role(enterprise_user, Role.ENTERPRISE, other_enterprise)
    assert not has_role(enterprise_user, Role.CB_STAFF, body)
    assert not enterprise_user.has_perm("certification.view_organisation", other_enterprise)


def test_a_regulator_oversees_only_their_province(regulator, province, other_province):
    assert list(jurisdictions_of(regulator)) == [province]
    assert has_role(regulator, Role.REGULATOR, province)
    assert not has_role(regulator, Role.REGULATOR, other_province)


def test_a_global_permission_does_not_make_someone_a_member(admin_user, enterprise):
    # A superuser holds every global permission, yet belongs to no enterprise.
    assert not has_role(admin_user, Role.ENTERPRISE, enterprise)
    assert list(organisations_for_role(admin_user, Role.ENTERPRISE)) == []


@pytest.mark.parametrize(
    ("role", "where", "field"),
    [
        (Role.CB_STAFF, "enterprise", "role"),
        (Role.ENTERPRISE, "body", "role"),
        (Role.REGULATOR, "enterprise", "jurisdiction"),
        (Role.ASSESSOR, "province", "organisation"),
    ],
)
def test_a_role_that_does_not_fit_the_place_is_refused(role, where, field, request, admin_user):
    scope = request.getfixturevalue(where)
    kwargs = {"jurisdiction": scope} if where == "province" else {"organisation": scope}
    with pytest.raises(ValidationError) as exc:
        membership_grant(user=UserFactory(), role=role, by=admin_user, **kwargs)
    assert field in exc.value.message_dict
    assert Membership.objects.count() == 0
    assert LogEntry.objects.count() == 0


def test_the_same_active_role_twice_is_refused(enterprise_user, enterprise, admin_user):
    with pytest.raises(ValidationError):
        membership_grant(
            user=enterprise_user, role=Role.ENTERPRISE, organisation=enterprise, by=admin_user
        )


def test_only_an_administrator_may_grant_roles(cb_staff, enterprise):
    with pytest.raises(PermissionDenied):
        membership_grant(
            user=UserFactory(), role=Role.ENTERPRISE, organisation=enterprise, by=cb_staff
        )
    assert not Membership.objects.filter(role=Role.ENTERPRISE).exists()


def test_ending_a_membership_revokes_the_role_and_logs_it(enterprise_user, enterprise, admin_user):
    membership = Membership.objects.get(user=enterprise_user)
    membership_end(membership=membership, by=admin_user, comment="left the company")
    enterprise_user = type(enterprise_user).objects.get(
        pk=enterprise_user.pk
    )  # fresh permission cache
    assert not has_role(enterprise_user, Role.ENTERPRISE, enterprise)
    assert not enterprise_user.has_perm("certification.view_organisation", enterprise)
    assert [e.transition for e in history_of(membership)] == ["grant", "end"]


def test_ending_one_of_two_roles_keeps_the_view_permission(body, admin_user):
    user = UserFactory()
    staff = membership_grant(user=user, role=Role.CB_STAFF, organisation=body, by=admin_user)
    membership_grant(user=user, role=Role.ASSESSOR, organisation=body, by=admin_user)
    membership_end(membership=staff, by=admin_user)
    user = type(user).objects.get(pk=user.pk)
    assert not has_role(user, Role.CB_STAFF, body)
    assert has_role(user, Role.ASSESSOR, body)
    assert user.has_perm("certification.view_organisation", body)


def test_ending_twice_is_a_domain_error_and_writes_nothing(enterprise_user, admin_user):
    membership = Membership.objects.get(user=enterprise_user)
    membership_end(membership=membership, by=admin_user)
    before = LogEntry.objects.count()
    with pytest.raises(DomainError) as exc:
        membership_end(membership=membership, by=admin_user)
    assert exc.value.code == "membership_ended"
    assert LogEntry.objects.count() == before


def test_a_role_can_be_held_again_after_it_ended(enterprise_user, enterprise, admin_user):
    membership_end(membership=Membership.objects.get(user=enterprise_user), by=admin_user)
    membership_grant(
        user=enterprise_user, role=Role.ENTERPRISE, organisation=enterprise, by=admin_user
    )
    assert Membership.objects.active().filter(user=enterprise_user).count() == 1
