import io

import pytest
from django.core.management import call_command

from checklists.models import ChecklistTemplate
from checklists.tests.conftest import SYSTEM_FILE
from core.models import LogEntry

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/checklists/checklisttemplate/"


@pytest.fixture
def v1(db) -> ChecklistTemplate:
    call_command("import_checklists", str(SYSTEM_FILE), stdout=io.StringIO())
    return ChecklistTemplate.objects.get()


def action(client, name: str, *templates: ChecklistTemplate):
    return client.post(
        CHANGELIST,
        {"action": name, "_selected_action": [t.pk for t in templates]},
        follow=True,
    )


def inline_management_data(page) -> dict[str, str]:
    """The management-form fields the change page's inlines post back."""
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        form = inline.formset.management_form
        data.update({form.add_prefix(name): value for name, value in form.initial.items()})
    return data


def test_copying_a_version_makes_a_draft_with_the_next_number_and_the_same_items(
    client, admin_user, v1
):
    client.force_login(admin_user)

    action(client, "copy_into_new_draft", v1)

    draft = ChecklistTemplate.objects.get(version=2)
    assert draft.status == ChecklistTemplate.Status.DRAFT
    assert draft.code == v1.code
    assert draft.content_hash == v1.content_hash
    assert list(draft.items.values_list("code", "section__code", "requirement_vi")) == list(
        v1.items.values_list("code", "section__code", "requirement_vi")
    )
    assert draft.items.filter(section__template=draft).count() == 56
    assert LogEntry.objects.for_object(draft).get().transition == "copy"


def test_copying_twice_gives_consecutive_version_numbers(client, admin_user, v1):
    client.force_login(admin_user)

    action(client, "copy_into_new_draft", v1)
    action(client, "copy_into_new_draft", v1)

    assert list(ChecklistTemplate.objects.values_list("version", flat=True)) == [3, 2, 1]


def test_publishing_a_draft_makes_it_published_and_logs_it(client, admin_user, v1):
    client.force_login(admin_user)
    action(client, "copy_into_new_draft", v1)
    draft = ChecklistTemplate.objects.get(version=2)

    action(client, "publish", draft)

    draft.refresh_from_db()
    assert draft.status == ChecklistTemplate.Status.PUBLISHED
    assert LogEntry.objects.for_object(draft).last().transition == "publish"


def test_publishing_a_published_version_is_refused_with_a_message(client, admin_user, v1):
    client.force_login(admin_user)

    response = action(client, "publish", v1)

    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not LogEntry.objects.filter(transition="publish").exists()


def test_a_published_version_is_read_only_in_the_admin(client, admin_user, v1):
    client.force_login(admin_user)
    url = f"{CHANGELIST}{v1.pk}/change/"

    page = client.get(url)
    response = client.post(url, {"title_vi": "Sửa", "title_en": "Changed", "standard": "X"})

    assert page.status_code == 200
    assert 'name="title_vi"' not in page.text
    assert response.status_code == 403
    v1.refresh_from_db()
    assert v1.title_en != "Changed"
    assert client.post(f"{CHANGELIST}{v1.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_drafts_texts_can_be_edited_and_its_hash_follows(client, admin_user, v1):
    client.force_login(admin_user)
    action(client, "copy_into_new_draft", v1)
    draft = ChecklistTemplate.objects.get(version=2)
    url = f"{CHANGELIST}{draft.pk}/change/"
    page = client.get(url)
    assert 'name="title_vi"' in page.text

    response = client.post(
        url,
        {
            **inline_management_data(page),
            "standard": draft.standard,
            "title_vi": "Danh mục (bản 2)",
            "title_en": "Checklist (version 2)",
            "description_vi": "",
            "description_en": "",
        },
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title_en == "Checklist (version 2)"
    assert draft.content_hash != v1.content_hash
    assert draft.items.count() == 56


def test_an_unused_draft_can_be_deleted_but_not_a_published_version(client, admin_user, v1):
    client.force_login(admin_user)
    action(client, "copy_into_new_draft", v1)
    draft = ChecklistTemplate.objects.get(version=2)

    response = client.post(f"{CHANGELIST}{draft.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert list(ChecklistTemplate.objects.all()) == [v1]


def test_a_staff_member_without_the_permission_cannot_copy_or_publish(client, v1):
    from django.core.exceptions import PermissionDenied

    from certification.tests.factories import UserFactory
    from checklists.services import template_copy_as_draft

    staff = UserFactory(is_staff=True)

    with pytest.raises(PermissionDenied):
        template_copy_as_draft(template=v1, by=staff)
    assert ChecklistTemplate.objects.count() == 1


def test_sections_and_items_open_read_only(client, admin_user, v1):
    client.force_login(admin_user)
    item = v1.items.first()

    page = client.get(f"/admin/checklists/checklistitem/{item.pk}/change/")

    assert page.status_code == 200
    assert 'name="requirement_vi"' not in page.text
    assert client.get(f"{CHANGELIST}{v1.pk}/change/").text.count("A-01") >= 1
