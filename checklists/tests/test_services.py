import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from audits.models import Audit, Finding
from audits.services import audit_start, finding_raise
from audits.tests.factories import planned_audit, submit_report
from checklists.models import AuditChecklist, ChecklistAnswer, ChecklistTemplate
from checklists.selectors import answers_without_finding, applicable_items, unanswered_count
from checklists.services import (
    checklist_pin,
    checklist_save_answers,
    template_copy_as_draft,
    template_import,
)
from checklists.tests.conftest import SYSTEM_FILE
from core.clock import as_of
from core.exceptions import DomainError
from core.models import LogEntry


@pytest.fixture(autouse=True)
def _english_messages():
    # These tests read the importer's wording; they pin the language it is written in.
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db

SYSTEM = "tcvn-12850-2019-system"


def answer(item, result: str = "conform", note: str = "") -> dict:
    return {"item": item.pk, "result": result, "note": note}


def items_of(audit: Audit) -> dict:
    return {item.code: item for item in applicable_items(audit)}


def item_of(content: dict, code: str) -> dict:
    return next(i for s in content["sections"] for i in s["items"] if i["code"] == code)


def refusal(save) -> dict[str, list[str]]:
    """The ValidationError's error codes by key."""
    with pytest.raises(ValidationError) as refused:
        save()
    return {key: [e.code for e in errors] for key, errors in refused.value.error_dict.items()}


# --- Pinning ---------------------------------------------------------------------------------


def test_an_audit_pins_the_newest_published_version_of_its_schemes_template(stage1):
    pin = AuditChecklist.objects.get(audit=stage1)

    assert (pin.template.code, pin.template.version) == (SYSTEM, 1)
    assert len(applicable_items(stage1)) == 39  # the stage-1 items of the 56


def test_pinning_again_returns_the_same_pin(stage1, cb_staff):
    first = AuditChecklist.objects.get(audit=stage1)

    again = checklist_pin(audit=stage1, by=cb_staff)

    assert again.pk == first.pk
    assert AuditChecklist.objects.filter(audit=stage1).count() == 1


def test_a_draft_version_is_never_pinned(application, templates, start_audit, admin_user):
    template_copy_as_draft(template=ChecklistTemplate.objects.get(code=SYSTEM), by=admin_user)

    audit = start_audit(application=application, kind=Audit.Kind.STAGE1)

    assert audit.checklist.template.version == 1


def test_an_audit_cannot_pin_when_its_scheme_has_no_published_template(application, start_audit):
    with pytest.raises(DomainError) as refused:
        start_audit(application=application, kind=Audit.Kind.STAGE1)

    assert refused.value.code == "checklist_missing"


# --- acceptance 2: later versions never change an existing audit ----------------------------


def test_an_audit_keeps_its_items_and_answers_after_a_new_version_is_imported(
    stage1, lead_assessor, system_content, write_template, cb_staff, application, start_audit
):
    items = items_of(stage1)
    checklist_save_answers(
        audit=stage1,
        answers=[
            answer(items["A-02"], "minor", "Mục tiêu chưa gắn với yêu cầu khách hàng."),
            answer(items["B-03"]),
            answer(items["F-01"], "not_applicable", "Chưa có quy trình dạng văn bản."),
        ],
        by=lead_assessor,
    )
    before_items = [(i.pk, i.code, i.requirement_en) for i in applicable_items(stage1)]
    before_answers = list(
        ChecklistAnswer.objects.filter(audit=stage1).values_list("item_id", "result", "note")
    )
    system_content["version"] = 2
    system_content["sections"][0]["items"].pop(1)  # A-02 removed
    item_of(system_content, "B-03")["requirement"]["en"] = "Trace codes follow TCVN 13274:2020."

    template_import(paths=[write_template(system_content)])

    stage1.refresh_from_db()
    assert stage1.checklist.template.version == 1
    assert [(i.pk, i.code, i.requirement_en) for i in applicable_items(stage1)] == before_items
    assert (
        list(ChecklistAnswer.objects.filter(audit=stage1).values_list("item_id", "result", "note"))
        == before_answers
    )
    assert unanswered_count(stage1) == 39 - 3
    # A new audit pins version 2, without A-02 and with the new wording.
    special = start_audit(application=application, kind=Audit.Kind.SPECIAL)
    assert special.checklist.template.version == 2
    new_items = items_of(special)
    assert "A-02" not in new_items
    assert new_items["B-03"].requirement_en == "Trace codes follow TCVN 13274:2020."


def test_editing_the_file_of_a_used_version_is_refused_naming_the_version(
    stage1, system_content, write_template
):
    item_of(system_content, "A-01")["requirement"]["vi"] = "Nội dung đã sửa."
    path = write_template(system_content)
    before = list(ChecklistTemplate.objects.values_list("pk", "content_hash", "updated_at"))

    with pytest.raises(CommandError) as refused:
        call_command("import_checklists", str(path), stdout=io.StringIO())

    message = str(refused.value)
    assert f"version 1 of {SYSTEM} is used by audits" in message
    assert "new version number" in message
    assert path.name in message
    assert list(ChecklistTemplate.objects.values_list("pk", "content_hash", "updated_at")) == (
        before
    )
    assert stage1.checklist.template.items.get(code="A-01").requirement_vi != "Nội dung đã sửa."


def test_the_unchanged_file_of_a_used_version_still_imports_as_unchanged(stage1):
    out = io.StringIO()

    call_command("import_checklists", str(SYSTEM_FILE), stdout=out)

    assert "unchanged" in out.getvalue()


# --- Saving answers: who and when --------------------------------------------------------------


@pytest.mark.parametrize("who", ["lead_assessor", "member"])
def test_team_members_save_answers(request, stage1, who):
    user = request.getfixturevalue(who)
    item = items_of(stage1)["A-01"]

    saved = checklist_save_answers(audit=stage1, answers=[answer(item)], by=user)

    assert [(a.item_id, a.result, a.answered_by) for a in saved] == [(item.pk, "conform", user)]
    assert ChecklistAnswer.objects.get().answered_by == user


@pytest.mark.parametrize("who", ["observer", "other_assessor", "cb_staff", "outsider"])
def test_anyone_else_may_not_save_answers(request, stage1, who):
    user = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        checklist_save_answers(audit=stage1, answers=[answer(items_of(stage1)["A-01"])], by=user)

    assert not ChecklistAnswer.objects.exists()


def test_answers_are_refused_before_the_audit_starts(
    application, templates, cb_staff, lead_assessor
):
    audit = planned_audit(staff=cb_staff, lead=lead_assessor, application=application)
    checklist_pin(audit=audit, by=cb_staff)

    with pytest.raises(DomainError) as refused:
        checklist_save_answers(
            audit=audit, answers=[answer(items_of(audit)["A-01"])], by=lead_assessor
        )

    assert refused.value.code == "audit_not_in_progress"


def test_an_audit_planned_before_any_template_existed_is_pinned_by_its_first_answers(
    application, cb_staff, lead_assessor
):
    audit = audit_start(
        audit=planned_audit(staff=cb_staff, lead=lead_assessor, application=application),
        by=lead_assessor,
    )
    template_import(paths=[SYSTEM_FILE])
    assert not AuditChecklist.objects.filter(audit=audit).exists()
    assert unanswered_count(audit) == 39  # counted on the version it would pin

    checklist_save_answers(audit=audit, answers=[answer(items_of(audit)["A-01"])], by=lead_assessor)

    assert AuditChecklist.objects.get(audit=audit).template.version == 1
    assert unanswered_count(audit) == 38


def test_planning_an_audit_pins_the_published_version(
    application, templates, cb_staff, lead_assessor
):
    audit = planned_audit(staff=cb_staff, lead=lead_assessor, application=application)

    assert AuditChecklist.objects.get(audit=audit).template.code == SYSTEM


# The report's guards live in the audits app and read `unanswered_count` and
# `answers_without_finding` from here.


def test_the_report_is_refused_while_items_remain_unanswered(stage1, lead_assessor):
    checklist_save_answers(
        audit=stage1, answers=[answer(items_of(stage1)["A-01"])], by=lead_assessor
    )

    with pytest.raises(DomainError) as refused:
        submit_report(stage1, lead_assessor)

    assert refused.value.code == "checklist_incomplete"
    assert "38" in refused.value.message


def test_the_report_is_accepted_once_every_item_is_answered(stage1, lead_assessor):
    items = list(items_of(stage1).values())
    checklist_save_answers(
        audit=stage1,
        answers=[answer(items[0], "minor", "Thiếu mục tiêu."), *map(answer, items[1:])],
        by=lead_assessor,
    )

    audit = submit_report(stage1, lead_assessor)

    assert audit.state == Audit.State.REPORT_SUBMITTED
    with pytest.raises(DomainError) as refused:
        checklist_save_answers(audit=audit, answers=[answer(items[1])], by=lead_assessor)
    assert refused.value.code == "audit_not_in_progress"


def test_answers_change_in_place(stage1, lead_assessor, member):
    item = items_of(stage1)["C-01"]
    checklist_save_answers(audit=stage1, answers=[answer(item, "observation")], by=lead_assessor)

    checklist_save_answers(audit=stage1, answers=[answer(item, "conform", "OK")], by=member)

    saved = ChecklistAnswer.objects.get()
    assert (saved.result, saved.note, saved.answered_by) == ("conform", "OK", member)


# --- Saving answers: validation --------------------------------------------------------------


@pytest.mark.parametrize("result", ["not_applicable", "minor", "major"])
def test_a_note_is_required_for_a_nonconformity_or_not_applicable(stage1, lead_assessor, result):
    items = items_of(stage1)

    errors = refusal(
        lambda: checklist_save_answers(
            audit=stage1,
            answers=[answer(items["A-01"]), answer(items["B-02"], result, "  ")],
            by=lead_assessor,
        )
    )

    assert errors == {"B-02": ["note_required"]}
    assert not ChecklistAnswer.objects.exists()  # the valid answer is not saved either
    assert not Finding.objects.exists()


def test_an_item_that_does_not_apply_to_the_audits_kind_is_refused(stage1, lead_assessor):
    stage2_only = stage1.checklist.template.items.get(code="B-08")

    errors = refusal(
        lambda: checklist_save_answers(
            audit=stage1, answers=[answer(stage2_only)], by=lead_assessor
        )
    )

    assert errors == {"B-08": ["not_applicable_to_kind"]}


def test_an_item_of_another_template_is_refused(stage1, lead_assessor):
    other = ChecklistTemplate.objects.get(code="tcvn-12850-2019-surveillance").items.first()

    errors = refusal(
        lambda: checklist_save_answers(audit=stage1, answers=[answer(other)], by=lead_assessor)
    )

    assert errors == {other.code: ["unknown_item"]}


def test_unknown_items_results_and_repeated_items_are_refused_by_item(stage1, lead_assessor):
    items = items_of(stage1)

    errors = refusal(
        lambda: checklist_save_answers(
            audit=stage1,
            answers=[
                {"item": 999_999, "result": "conform", "note": ""},
                answer(items["A-01"], "excellent"),
                answer(items["A-03"]),
                answer(items["A-03"], "minor", "Thiếu sổ đăng ký khách hàng."),
                {"result": "conform"},
            ],
            by=lead_assessor,
        )
    )

    assert errors == {
        "999999": ["unknown_item"],
        "A-01": ["invalid_result"],
        "A-03": ["duplicate"],
        "answer 5": ["unknown_item"],
    }


def test_error_messages_name_the_item_code(stage1, lead_assessor):
    item = items_of(stage1)["D-01"]

    with pytest.raises(ValidationError) as refused:
        checklist_save_answers(audit=stage1, answers=[answer(item, "major")], by=lead_assessor)

    assert "D-01" in refused.value.message_dict["D-01"][0]


# --- Findings raised by answers ----------------------------------------------------------------


def test_a_minor_answer_raises_a_finding_due_per_the_scheme(stage1, lead_assessor, scheme):
    item = items_of(stage1)["B-04"]

    with as_of(datetime.date(2026, 3, 2)):
        (saved,) = checklist_save_answers(
            audit=stage1,
            answers=[answer(item, "minor", "Mã GLN của 2 nhà cung cấp chưa nhất quán.")],
            by=lead_assessor,
        )

    finding = Finding.objects.get()
    assert saved.finding_id == finding.pk
    assert finding.audit_id == stage1.pk
    assert finding.checklist_item_code == "B-04"
    assert finding.severity == Finding.Severity.MINOR
    assert finding.description == "Mã GLN của 2 nhà cung cấp chưa nhất quán."
    assert finding.clause_reference == item.clause
    assert finding.raised_by == lead_assessor
    assert finding.state == Finding.State.OPEN
    assert finding.due_date == datetime.date(2026, 3, 2) + datetime.timedelta(
        days=scheme.minor_plan_days
    )
    entry = LogEntry.objects.for_object(finding).get()
    assert (entry.transition, entry.target_state, entry.actor) == ("raise", "open", lead_assessor)


def test_a_major_answer_raises_a_major_finding_due_per_the_scheme(stage1, lead_assessor, scheme):
    with as_of(datetime.date(2026, 3, 2)):
        checklist_save_answers(
            audit=stage1,
            answers=[
                {
                    **answer(items_of(stage1)["C-01"], "major", "Không xác định dữ liệu cần thu."),
                    "evidence": "Phỏng vấn quản đốc.",
                }
            ],
            by=lead_assessor,
        )

    finding = Finding.objects.get()
    assert finding.severity == Finding.Severity.MAJOR
    assert finding.evidence == "Phỏng vấn quản đốc."
    assert finding.due_date == datetime.date(2026, 3, 2) + datetime.timedelta(
        days=scheme.major_close_days
    )


def test_saving_the_same_nonconformity_again_raises_no_second_finding(stage1, lead_assessor):
    item = items_of(stage1)["B-04"]
    checklist_save_answers(audit=stage1, answers=[answer(item, "minor", "a")], by=lead_assessor)

    checklist_save_answers(audit=stage1, answers=[answer(item, "major", "b")], by=lead_assessor)

    finding = Finding.objects.get()
    assert ChecklistAnswer.objects.get().finding == finding
    assert LogEntry.objects.filter(transition="raise").count() == 1


def test_an_answer_changed_to_conform_leaves_its_finding(stage1, lead_assessor):
    item = items_of(stage1)["B-04"]
    checklist_save_answers(audit=stage1, answers=[answer(item, "minor", "a")], by=lead_assessor)

    checklist_save_answers(audit=stage1, answers=[answer(item, "conform")], by=lead_assessor)

    finding = Finding.objects.get()
    assert finding.state == Finding.State.OPEN
    assert ChecklistAnswer.objects.get().result == "conform"


def test_a_finding_already_raised_for_the_item_is_linked_instead_of_a_new_one(
    stage1, lead_assessor
):
    existing = finding_raise(
        audit=stage1,
        by=lead_assessor,
        severity="minor",
        description="Raised by hand.",
        checklist_item_code="D-02",
    )

    (saved,) = checklist_save_answers(
        audit=stage1,
        answers=[answer(items_of(stage1)["D-02"], "minor", "Sao lưu không được kiểm tra.")],
        by=lead_assessor,
    )

    assert saved.finding_id == existing.pk
    assert Finding.objects.count() == 1


def test_every_nonconformity_saved_has_a_finding(stage1, lead_assessor):
    items = list(items_of(stage1).values())

    checklist_save_answers(
        audit=stage1,
        answers=[answer(i, "minor" if n % 2 else "major", f"NC {n}") for n, i in enumerate(items)],
        by=lead_assessor,
    )

    assert answers_without_finding(stage1) == 0
    assert Finding.objects.filter(audit=stage1).count() == 39
    assert LogEntry.objects.filter(transition="raise").count() == 39


# --- acceptance 3: a constant number of queries ------------------------------------------------

MIX = ["conform", "minor", "major", "not_applicable", "observation"]


@pytest.fixture
def large_checklist(write_template, scheme):
    """A 66-item template (6 sections of 11), every item in every audit kind; the scheme's."""
    kinds = ["stage1", "stage2", "surveillance", "recertification"]
    text = {"vi": "Yêu cầu", "en": "Requirement"}
    content = {
        "code": "large-checklist",
        "version": 1,
        "standard": "TCVN 12850:2019",
        "title": {"vi": "Danh mục lớn", "en": "Large checklist"},
        "sections": [
            {
                "code": section,
                "title": {"vi": f"Nhóm {section}", "en": f"Section {section}"},
                "items": [
                    {
                        "code": f"{section}-{n:02d}",
                        "clause": "§5",
                        "requirement": text,
                        "severity": "minor",
                        "applies_to": kinds,
                    }
                    for n in range(1, 12)
                ],
            }
            for section in "ABCDEF"
        ],
    }
    template_import(paths=[write_template(content)])
    scheme.checklist_code = "large-checklist"
    scheme.save(update_fields=["checklist_code"])


def test_saving_60_answers_takes_as_many_queries_as_saving_10(
    application, large_checklist, start_audit, lead_assessor, django_assert_num_queries
):
    small = start_audit(application=application, kind=Audit.Kind.STAGE1)
    large = start_audit(application=application, kind=Audit.Kind.SPECIAL)
    ContentType.objects.get_for_model(Finding)  # cached in a running process

    def answers(audit: Audit, n: int) -> list[dict]:
        return [
            answer(item, MIX[k % len(MIX)], f"Ghi chú {k}")
            for k, item in enumerate(applicable_items(audit)[:n])
        ]

    ten, sixty = answers(small, 10), answers(large, 60)
    # lock the audit with its pin, the team role and the assessor grant · items with their
    # answers' findings · findings of the items · insert findings · their log entries · the
    # audit's sync version · upsert answers · savepoint and its release
    with django_assert_num_queries(9):
        checklist_save_answers(audit=small, answers=ten, by=lead_assessor)
    with django_assert_num_queries(9):
        checklist_save_answers(audit=large, answers=sixty, by=lead_assessor)

    assert ChecklistAnswer.objects.filter(audit=large).count() == 60
    assert Finding.objects.filter(audit=large).count() == 24  # 12 minor + 12 major
    assert answers_without_finding(large) == 0
