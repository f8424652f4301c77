import pytest
from django.apps import apps
from django.contrib import admin

from certification.models import Membership, Role
from certification.selectors import has_role
from certification.tests.factories import UserFactory
from core.models import LogEntry
from core.services import log_transition

pytestmark = pytest.mark.django_db

OUR_APPS = {
    "core",
    "certification",
    "audits",
    "checklists",
    "documents",
    "notifications",
    "oversight",
    "signing",
}


def test_every_model_of_the_project_is_in_the_admin():
    ours = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]
    missing = [m._meta.label for m in ours if m not in admin.site._registry]
    assert ours and missing == []


def test_every_admin_list_opens_for_an_administrator(client, admin_user, enterprise_user):
    client.force_login(admin_user)
    for model in admin.site._registry:
        if model._meta.app_label in OUR_APPS:
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            assert client.get(url).status_code == 200, url


def test_log_entries_are_read_only_in_the_admin(client, admin_user, enterprise):
    entry = log_transition(enterprise, "note", by=admin_user)
    client.force_login(admin_user)
    assert client.get("/admin/core/logentry/add/").status_code == 403
    page = client.get(f"/admin/core/logentry/{entry.pk}/change/")
    assert page.status_code == 200
    assert 'name="comment"' not in page.text
    assert (
        client.post(f"/admin/core/logentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_adding_a_membership_in_the_admin_grants_the_role(client, admin_user, enterprise):
    user = UserFactory()
    client.force_login(admin_user)
    response = client.post(
        "/admin/certification/membership/add/",
        {"user": user.pk, "role": Role.ENTERPRISE, "organisation": enterprise.pk, "title": ""},
    )
    assert response.status_code == 302
    assert has_role(user, Role.ENTERPRISE, enterprise)


def test_a_membership_that_does_not_fit_is_refused_in_the_admin_form(
    client, admin_user, enterprise
):
    user = UserFactory()
    client.force_login(admin_user)
    response = client.post(
        "/admin/certification/membership/add/",
        {"user": user.pk, "role": Role.CB_STAFF, "organisation": enterprise.pk, "title": ""},
    )
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert not Membership.objects.filter(user=user).exists()
