import pytest

from core.models import AppendOnlyError, LogEntry
from core.services import history_of, log_transition


@pytest.fixture
def entry(enterprise, admin_user):
    return log_transition(enterprise, "register", by=admin_user, target="active", comment="first")


def test_a_log_entry_records_object_transition_states_actor_and_comment(
    entry, enterprise, admin_user
):
    stored = LogEntry.objects.get(pk=entry.pk)
    assert stored.subject == enterprise
    assert (stored.transition, stored.source_state, stored.target_state) == (
        "register",
        "",
        "active",
    )
    assert stored.actor == admin_user
    assert stored.actor_name == admin_user.get_full_name()
    assert stored.comment == "first"
    assert stored.created_at is not None


def test_saving_an_existing_log_entry_is_refused_and_the_row_is_unchanged(entry):
    entry.comment = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert LogEntry.objects.get(pk=entry.pk).comment == "first"


def test_deleting_a_log_entry_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_and_delete_are_refused(entry):
    with pytest.raises(AppendOnlyError):
        LogEntry.objects.filter(pk=entry.pk).update(comment="rewritten")
    with pytest.raises(AppendOnlyError):
        LogEntry.objects.all().delete()
    entry.comment = "rewritten"
    with pytest.raises(AppendOnlyError):
        LogEntry.objects.bulk_update([entry], ["comment"])
    stored = LogEntry.objects.get(pk=entry.pk)
    assert stored.comment == "first"


def test_secret_looking_values_are_masked_in_the_log(enterprise, admin_user):
    entry = log_transition(
        enterprise,
        "note",
        by=admin_user,
        data={"api_token": "abc", "nested": {"password": "x"}, "n": 3},
    )
    assert entry.data == {"api_token": "***", "nested": {"password": "***"}, "n": 3}


def test_a_system_action_is_logged_without_actor(enterprise):
    entry = log_transition(enterprise, "expire", by=None, previous="active", target="expired")
    assert entry.actor is None
    assert entry.actor_name == "system"


def test_history_lists_only_the_objects_entries_oldest_first(
    enterprise, other_enterprise, admin_user
):
    log_transition(enterprise, "one", by=admin_user)
    log_transition(other_enterprise, "elsewhere", by=admin_user)
    log_transition(enterprise, "two", by=admin_user)
    assert [e.transition for e in history_of(enterprise)] == ["one", "two"]
