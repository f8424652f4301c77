"""Working offline: idempotent batch upsert, base-version conflicts resolved by the lead, the
delta a device pulls, devices that still hold changes, and the report that waits for them."""

import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from audits.models import Audit, Finding
from audits.tests.factories import submit_report
from checklists.models import AnswerConflict, ChecklistAnswer, SyncDevice, SyncReceipt
from checklists.selectors import applicable_items
from checklists.services import checklist_save_answers
from checklists.sync import (
    answer_conflict_resolve,
    checklist_changes,
    checklist_sync,
    sync_device_report,
)
from checklists.tests.test_services import MIX, large_checklist  # noqa: F401 (fixture)
from core.exceptions import DomainError
from core.models import LogEntry

pytestmark = pytest.mark.django_db


def items_of(audit: Audit) -> dict:
    return {item.code: item for item in applicable_items(audit)}


def change(item, result="conform", note="", base=0, key=None) -> dict:
    return {
        "key": str(key or uuid.uuid4()),
        "item": item.pk,
        "result": result,
        "note": note,
        "base_version": base,
    }


# --- Idempotent batch upsert -------------------------------------------------------------------


def test_a_batch_sent_twice_is_stored_once(stage1, member):
    items = list(items_of(stage1).values())[:5]
    batch = [change(i) for i in items[:4]] + [change(items[4], "minor", "Thiếu hồ sơ lô.")]

    first = checklist_sync(audit=stage1, changes=batch, by=member)
    again = checklist_sync(audit=stage1, changes=batch, by=member)

    assert [r.status for r in first.results] == ["saved"] * 5
    assert not any(r.duplicate for r in first.results)
    assert all(r.duplicate and r.status == "saved" for r in again.results)
    assert again.version == first.version == 1  # the repeat wrote nothing
    assert ChecklistAnswer.objects.filter(audit=stage1).count() == 5
    assert Finding.objects.filter(audit=stage1).count() == 1
    assert SyncReceipt.objects.count() == 5
    assert set(ChecklistAnswer.objects.values_list("version", flat=True)) == {1}


def test_a_repeated_key_is_not_applied_again_even_after_someone_else_changed_the_item(
    stage1, member, lead_assessor
):
    item = items_of(stage1)["A-01"]
    sent = change(item, "conform")
    checklist_sync(audit=stage1, changes=[sent], by=member)
    checklist_save_answers(
        audit=stage1, answers=[{"item": item.pk, "result": "observation"}], by=lead_assessor
    )

    checklist_sync(audit=stage1, changes=[sent], by=member)  # the device retries after a timeout

    assert ChecklistAnswer.objects.get(item=item).result == "observation"
    assert not AnswerConflict.objects.exists()


def test_an_invalid_change_is_rejected_alone_and_stored_nowhere(stage1, member):
    items = items_of(stage1)
    batch = [change(items["A-01"]), change(items["A-02"], "not_applicable", note="")]

    outcome = checklist_sync(audit=stage1, changes=batch, by=member)

    assert [r.status for r in outcome.results] == ["saved", "rejected"]
    assert outcome.results[1].errors[0].startswith("A-02")
    assert list(ChecklistAnswer.objects.values_list("item__code", flat=True)) == ["A-01"]
    assert SyncReceipt.objects.count() == 1  # the rejected one may be corrected and sent again


def test_a_batch_without_keys_is_refused_whole(stage1, member):
    item = items_of(stage1)["A-01"]
    with pytest.raises(ValidationError):
        checklist_sync(audit=stage1, changes=[{"item": item.pk, "result": "conform"}], by=member)
    same_key = uuid.uuid4()
    with pytest.raises(ValidationError):
        checklist_sync(
            audit=stage1,
            changes=[change(item, key=same_key), change(item, key=same_key)],
            by=member,
        )
    assert not ChecklistAnswer.objects.exists()


@pytest.mark.parametrize("who", ["observer", "other_assessor", "cb_staff", "enterprise_user"])
def test_only_the_working_team_syncs(request, stage1, who):
    with pytest.raises(PermissionDenied):
        checklist_sync(
            audit=stage1,
            changes=[change(items_of(stage1)["A-01"])],
            by=request.getfixturevalue(who),
        )
    assert not ChecklistAnswer.objects.exists()


def test_nothing_syncs_once_the_report_is_submitted(stage1, lead_assessor):
    items = list(items_of(stage1).values())
    checklist_save_answers(
        audit=stage1, answers=[{"item": i.pk, "result": "conform"} for i in items], by=lead_assessor
    )
    submit_report(stage1, lead_assessor)

    with pytest.raises(DomainError) as refused:
        checklist_sync(audit=stage1, changes=[change(items[0], "observation")], by=lead_assessor)

    assert refused.value.code == "audit_not_in_progress"


@pytest.mark.usefixtures("large_checklist")
def test_the_batch_upsert_takes_a_constant_number_of_queries_for_56_answers(
    application, start_audit, lead_assessor, django_assert_num_queries
):
    """Branch-wide budget: ≤ 15 queries for 56 answers, the same as for 5."""
    small = start_audit(application=application, kind=Audit.Kind.STAGE1)
    large = start_audit(application=application, kind=Audit.Kind.SPECIAL)
    ContentType.objects.get_for_model(Finding)  # cached in a running process

    def batch(audit, n):
        return [
            change(item, MIX[k % len(MIX)], f"Ghi chú {k}")
            for k, item in enumerate(applicable_items(audit)[:n])
        ]

    five, fifty_six = batch(small, 5), batch(large, 56)
    # lock the audit (with the team role, the assessor grant, whether a key was seen, whether
    # the device is current) · items with their answers · sync version · findings of the
    # items · insert findings · their log entries · upsert answers · receipts · the device ·
    # savepoint and its release
    with django_assert_num_queries(11):
        checklist_sync(audit=small, changes=five, by=lead_assessor, device=uuid.uuid4())
    with django_assert_num_queries(11):
        outcome = checklist_sync(
            audit=large, changes=fifty_six, by=lead_assessor, device=uuid.uuid4()
        )

    assert [r.status for r in outcome.results] == ["saved"] * 56
    assert ChecklistAnswer.objects.filter(audit=large).count() == 56


@pytest.mark.usefixtures("large_checklist")
def test_conflicts_in_a_large_batch_stay_within_the_budget(
    application, start_audit, lead_assessor, member, django_assert_max_num_queries
):
    audit = start_audit(application=application, kind=Audit.Kind.SPECIAL)
    items = applicable_items(audit)[:56]
    checklist_sync(audit=audit, changes=[change(i) for i in items[:28]], by=lead_assessor)
    ContentType.objects.get_for_model(Finding)

    changes = [change(i, "minor", "Khác", base=0) for i in items]
    with django_assert_max_num_queries(15):
        outcome = checklist_sync(audit=audit, changes=changes, by=member, device=uuid.uuid4())

    statuses = [r.status for r in outcome.results]
    assert statuses == ["conflict"] * 28 + ["saved"] * 28


# --- Base versions and conflicts ---------------------------------------------------------------


def test_a_change_based_on_the_current_version_is_saved(stage1, member, lead_assessor):
    item = items_of(stage1)["A-01"]
    first = checklist_sync(audit=stage1, changes=[change(item)], by=lead_assessor)

    outcome = checklist_sync(
        audit=stage1, changes=[change(item, "observation", base=first.version)], by=member
    )

    assert outcome.results[0].status == "saved"
    answer = ChecklistAnswer.objects.get(item=item)
    assert (answer.result, answer.answered_by, answer.version) == ("observation", member, 2)


def test_a_change_based_on_an_older_version_keeps_both_answers(stage1, member, lead_assessor):
    item = items_of(stage1)["A-01"]
    checklist_save_answers(
        audit=stage1, answers=[{"item": item.pk, "result": "conform"}], by=lead_assessor
    )

    outcome = checklist_sync(
        audit=stage1,
        changes=[change(item, "minor", "Chưa có sổ nhật ký.", base=0)],
        by=member,
        device=uuid.uuid4(),
    )

    result = outcome.results[0]
    assert result.status == "conflict"
    answer = ChecklistAnswer.objects.get(item=item)
    assert (answer.result, answer.answered_by) == ("conform", lead_assessor)  # server's kept
    conflict = AnswerConflict.objects.get(pk=result.conflict)
    assert (conflict.result, conflict.note, conflict.answered_by) == (
        "minor",
        "Chưa có sổ nhật ký.",
        member,
    )
    assert (conflict.server_result, conflict.server_answered_by) == ("conform", lead_assessor)
    assert conflict.state == AnswerConflict.State.OPEN
    assert not Finding.objects.exists()  # nothing raised until the lead takes the minor
    delta = checklist_changes(audit=stage1, since=0)
    assert [c.pk for c in delta["conflicts"]] == [conflict.pk]


def test_the_same_answer_on_an_older_base_is_no_conflict(stage1, member, lead_assessor):
    item = items_of(stage1)["A-01"]
    checklist_save_answers(
        audit=stage1, answers=[{"item": item.pk, "result": "conform"}], by=lead_assessor
    )

    outcome = checklist_sync(audit=stage1, changes=[change(item, base=0)], by=member)

    assert outcome.results[0].status == "saved"
    assert not AnswerConflict.objects.exists()


def _conflict(stage1, member, lead_assessor) -> AnswerConflict:
    item = items_of(stage1)["A-01"]
    checklist_save_answers(
        audit=stage1, answers=[{"item": item.pk, "result": "conform"}], by=lead_assessor
    )
    outcome = checklist_sync(
        audit=stage1, changes=[change(item, "minor", "Thiếu sổ.", base=0)], by=member
    )
    return AnswerConflict.objects.get(pk=outcome.results[0].conflict)


def test_the_lead_takes_the_device_answer(stage1, member, lead_assessor):
    conflict = _conflict(stage1, member, lead_assessor)

    resolved = answer_conflict_resolve(
        conflict=conflict, choice="take", by=lead_assessor, comment="Đã kiểm tra lại."
    )

    assert resolved.state == AnswerConflict.State.TAKEN
    answer = ChecklistAnswer.objects.get(item=conflict.item)
    assert (answer.result, answer.note, answer.answered_by) == ("minor", "Thiếu sổ.", member)
    assert answer.finding is not None  # the minor raised its finding
    entry = LogEntry.objects.get(transition="take_device")
    assert (entry.actor, entry.source_state, entry.target_state) == (
        lead_assessor,
        "open",
        "taken",
    )


def test_the_lead_keeps_the_server_answer(stage1, member, lead_assessor):
    conflict = _conflict(stage1, member, lead_assessor)

    answer_conflict_resolve(conflict=conflict, choice="keep", by=lead_assessor)

    assert ChecklistAnswer.objects.get(item=conflict.item).result == "conform"
    conflict.refresh_from_db()
    assert (conflict.state, conflict.resolved_by) == ("kept", lead_assessor)
    with pytest.raises(DomainError):
        answer_conflict_resolve(conflict=conflict, choice="take", by=lead_assessor)


def test_only_the_lead_resolves_a_conflict(stage1, member, lead_assessor):
    conflict = _conflict(stage1, member, lead_assessor)

    with pytest.raises(PermissionDenied):
        answer_conflict_resolve(conflict=conflict, choice="take", by=member)
    with pytest.raises(ValidationError):
        answer_conflict_resolve(conflict=conflict, choice="both", by=lead_assessor)

    conflict.refresh_from_db()
    assert conflict.state == "open"


# --- The delta ------------------------------------------------------------------------------


def test_changes_since_a_version_are_only_the_later_ones(stage1, member, lead_assessor):
    items = items_of(stage1)
    first = checklist_sync(audit=stage1, changes=[change(items["A-01"])], by=member)
    checklist_sync(audit=stage1, changes=[change(items["A-02"])], by=lead_assessor)

    delta = checklist_changes(audit=stage1, since=first.version)

    assert delta["version"] == 2
    assert [a.item.code for a in delta["answers"]] == ["A-02"]
    assert len(checklist_changes(audit=stage1, since=0)["answers"]) == 2


# --- Devices and the report -------------------------------------------------------------------


def _all_answered(stage1, lead_assessor):
    checklist_save_answers(
        audit=stage1,
        answers=[{"item": i.pk, "result": "conform"} for i in items_of(stage1).values()],
        by=lead_assessor,
    )


def test_the_report_waits_for_changes_on_any_team_device(stage1, member, lead_assessor):
    _all_answered(stage1, lead_assessor)
    phone = uuid.uuid4()
    sync_device_report(audit=stage1, device=phone, pending=3, by=member)

    with pytest.raises(DomainError) as refused:
        submit_report(stage1, lead_assessor)
    assert refused.value.code == "sync_pending"
    assert "3" in refused.value.message

    sync_device_report(audit=stage1, device=phone, pending=0, by=member)
    assert submit_report(stage1, lead_assessor).state == Audit.State.REPORT_SUBMITTED


def test_the_report_waits_for_open_conflicts(stage1, member, lead_assessor):
    _all_answered(stage1, lead_assessor)
    item = items_of(stage1)["A-01"]
    checklist_sync(audit=stage1, changes=[change(item, "observation", base=0)], by=member)

    with pytest.raises(DomainError) as refused:
        submit_report(stage1, lead_assessor)
    assert refused.value.code == "sync_pending"

    answer_conflict_resolve(conflict=AnswerConflict.objects.get(), choice="keep", by=lead_assessor)
    assert submit_report(stage1, lead_assessor).state == Audit.State.REPORT_SUBMITTED


def test_a_sync_records_what_the_device_still_holds(stage1, member):
    phone = uuid.uuid4()
    checklist_sync(
        audit=stage1, changes=[change(items_of(stage1)["A-01"])], by=member, device=phone, pending=2
    )

    device = SyncDevice.objects.get(device_id=phone)
    assert (device.user, device.pending) == (member, 2)


def test_only_team_members_report_devices(stage1, other_assessor, member):
    with pytest.raises(PermissionDenied):
        sync_device_report(audit=stage1, device=uuid.uuid4(), pending=1, by=other_assessor)
    with pytest.raises(ValidationError):
        sync_device_report(audit=stage1, device="not-a-uuid", pending=1, by=member)
    with pytest.raises(ValidationError):
        sync_device_report(audit=stage1, device=uuid.uuid4(), pending=-1, by=member)
    assert not SyncDevice.objects.exists()


# --- The API -----------------------------------------------------------------------------------


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_sync_replayed_stores_once(stage1, member):
    item = items_of(stage1)["A-01"]
    body = {"device": str(uuid.uuid4()), "pending": 0, "changes": [change(item)]}
    url = f"/api/v1/audits/{stage1.pk}/checklist/sync/"

    first = _client(member).post(url, body, format="json")
    again = _client(member).post(url, body, format="json")

    assert first.status_code == again.status_code == 200
    assert first.json()["results"][0]["status"] == "saved"
    assert again.json()["results"][0]["duplicate"] is True
    assert ChecklistAnswer.objects.count() == 1
    delta = _client(member).get(f"/api/v1/audits/{stage1.pk}/checklist/changes/?since=0")
    assert delta.status_code == 200
    assert [a["code"] for a in delta.json()["answers"]] == ["A-01"]
    assert delta.json()["version"] == 1


def test_api_sync_refusals(stage1, member, observer, outsider):
    item = items_of(stage1)["A-01"]
    url = f"/api/v1/audits/{stage1.pk}/checklist/sync/"
    body = {"changes": [change(item)]}

    assert _client(observer).post(url, body, format="json").status_code == 403
    assert _client(outsider).post(url, body, format="json").status_code == 404
    bad = _client(member).post(url, {"changes": [{"item": item.pk}]}, format="json")
    assert bad.status_code == 400
    assert not ChecklistAnswer.objects.exists()


def test_api_conflict_resolution(stage1, member, lead_assessor):
    conflict = _conflict(stage1, member, lead_assessor)
    url = f"/api/v1/answer-conflicts/{conflict.pk}/resolve/"

    assert _client(member).post(url, {"choice": "take"}, format="json").status_code == 403
    response = _client(lead_assessor).post(url, {"choice": "take"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "taken"
    assert _client(lead_assessor).post(url, {"choice": "keep"}, format="json").status_code == 409


def test_api_device_status(stage1, member):
    url = f"/api/v1/audits/{stage1.pk}/sync-status/"
    response = _client(member).post(url, {"device": str(uuid.uuid4()), "pending": 4}, format="json")

    assert response.status_code == 200
    assert response.json()["waiting_on_team"] == 4


def test_one_answer_synced_from_the_page_takes_at_most_10_queries(stage1, member, client):
    """performance.md target 5 for the way the checklist page saves an answer (its queue's
    sync): the whole request, session and transaction included, once the device is known."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, second = list(items_of(stage1).values())[:2]
    client.force_login(member)
    url = f"/api/v1/audits/{stage1.pk}/checklist/sync/"
    device = str(uuid.uuid4())

    def sync(item, result, note=""):
        body = {"device": device, "pending": 0, "changes": [change(item, result, note)]}
        return client.post(url, body, content_type="application/json")

    sync(first, "conform")  # the device's first sync records it
    ContentType.objects.get_for_model(Finding)
    with CaptureQueriesContext(connection) as captured:
        response = sync(second, "observation", "Sổ ghi chép chưa ký.")
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "saved"
    assert len(captured.captured_queries) <= 10, len(captured.captured_queries)
    assert ChecklistAnswer.objects.get(audit=stage1, item=second).result == "observation"
    assert SyncDevice.objects.get(device_id=device).pending == 0


def test_a_device_reporting_other_pending_work_is_recorded_at_once(stage1, member):
    item = items_of(stage1)["A-01"]
    device = uuid.uuid4()
    checklist_sync(audit=stage1, changes=[change(item)], by=member, device=device, pending=3)
    checklist_sync(audit=stage1, changes=[change(item)], by=member, device=device, pending=0)
    assert SyncDevice.objects.get(device_id=device).pending == 0


def test_an_audit_the_user_may_not_see_is_404_even_with_a_bad_body(stage1, outsider):
    client = _client(outsider)
    url = f"/api/v1/audits/{stage1.pk}/checklist/sync/"
    assert client.post(url, {"changes": "nope"}, format="json").status_code == 404
    body = {"device": str(uuid.uuid4()), "pending": 0, "changes": []}
    assert client.post(url, body, format="json").status_code == 404
