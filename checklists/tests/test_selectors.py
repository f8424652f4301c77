import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.models import Audit
from audits.services import audit_approve_report, finding_raise
from audits.tests.factories import (
    application_in_evaluation,
    closed_audit,
    record_trace_test,
    started_audit,
    submit_report,
)
from certification.models import Application
from certification.services import application_grant, application_submit_for_decision
from checklists.models import ChecklistAnswer
from checklists.selectors import (
    answers_without_finding,
    applicable_items,
    checklist_of,
    checklist_score,
    checklist_summary,
    previous_audit_findings,
    section_warnings,
    unanswered_count,
)
from checklists.services import checklist_save_answers

pytestmark = pytest.mark.django_db


def save(audit, by, results: dict[str, str]) -> None:
    items = {i.code: i for i in applicable_items(audit)}
    checklist_save_answers(
        audit=audit,
        answers=[
            {"item": items[code].pk, "result": result, "note": f"Ghi chú {code}"}
            for code, result in results.items()
        ],
        by=by,
    )


# --- Progress, summary, score --------------------------------------------------------------


def test_nothing_answered_shows_zero_progress_and_no_score(stage1):
    summary = checklist_summary(stage1)

    assert (summary.total.answered, summary.total.applicable) == (0, 39)
    assert [(r.section.code, r.tally.applicable) for r in summary.sections] == [
        ("A", 5),
        ("B", 6),
        ("C", 4),
        ("D", 7),
        ("E", 3),
        ("F", 14),
    ]
    assert summary.score is None
    assert checklist_score(stage1) is None
    assert unanswered_count(stage1) == 39


def test_progress_counts_answered_items_per_section_and_overall(stage1, lead_assessor):
    save(
        stage1,
        lead_assessor,
        {
            "A-01": "conform",
            "A-02": "minor",
            "A-03": "not_applicable",
            "B-01": "observation",
            "F-01": "major",
        },
    )

    summary = checklist_summary(stage1)

    a, b, *_, f = summary.sections
    assert (a.tally.answered, a.tally.applicable, a.tally.percent) == (3, 5, 60)
    assert a.tally.counts == {
        "conform": 1,
        "minor": 1,
        "major": 0,
        "observation": 0,
        "not_applicable": 1,
    }
    assert (b.tally.answered, b.tally.counts["observation"]) == (1, 1)
    assert (f.tally.answered, f.tally.counts["major"]) == (1, 1)
    assert (summary.total.answered, summary.total.applicable) == (5, 39)
    assert unanswered_count(stage1) == 34


def test_the_score_is_the_share_of_conform_among_applicable_items_without_not_applicable(
    stage1, lead_assessor
):
    items = applicable_items(stage1)
    results = {i.code: "conform" for i in items[:30]}
    results |= {items[30].code: "not_applicable", items[31].code: "minor"}
    save(stage1, lead_assessor, results)

    # 30 conform of 39 applicable items less 1 not applicable.
    assert checklist_score(stage1) == pytest.approx(30 / 38)


def test_a_fully_conforming_checklist_scores_one(stage1, lead_assessor):
    save(stage1, lead_assessor, {i.code: "conform" for i in applicable_items(stage1)})

    assert checklist_score(stage1) == 1
    assert unanswered_count(stage1) == 0
    assert checklist_summary(stage1).total.percent == 100


# --- The lead's warnings ---------------------------------------------------------------------


def test_a_section_with_as_many_minors_as_the_scheme_says_is_flagged(stage1, lead_assessor):
    save(
        stage1,
        lead_assessor,
        {"F-01": "minor", "F-02": "minor", "F-03": "minor", "D-01": "minor", "D-02": "minor"},
    )

    assert section_warnings(stage1) == ["F"]  # scheme default: 3 minors in one section


def test_the_warning_threshold_is_the_schemes(stage1, lead_assessor, scheme):
    scheme.minors_per_section_warning = 2
    scheme.save(update_fields=["minors_per_section_warning"])
    save(stage1, lead_assessor, {"F-01": "minor", "D-01": "minor", "D-02": "minor"})

    assert section_warnings(Audit.objects.get(pk=stage1.pk)) == ["D"]


def test_majors_do_not_count_towards_the_minor_warning(stage1, lead_assessor):
    save(stage1, lead_assessor, {"F-01": "major", "F-02": "major", "F-03": "minor"})

    assert section_warnings(stage1) == []


# --- Reads in a fixed number of queries -------------------------------------------------------


def _queries(read) -> int:
    with CaptureQueriesContext(connection) as context:
        read()
    return len(context.captured_queries)


def test_the_checklist_reads_in_the_same_number_of_queries_whatever_is_answered(
    stage1, lead_assessor
):
    audit = Audit.objects.get(pk=stage1.pk)
    empty = (_queries(lambda: checklist_of(audit)), _queries(lambda: checklist_summary(audit)))
    save(stage1, lead_assessor, {i.code: "conform" for i in applicable_items(stage1)})

    full = (_queries(lambda: checklist_of(audit)), _queries(lambda: checklist_summary(audit)))

    assert empty == full
    assert full[0] <= 3 and full[1] <= 2  # + one for the scheme, unless loaded with the audit
    assert _queries(lambda: unanswered_count(audit)) == 1
    assert _queries(lambda: answers_without_finding(audit)) == 1


def test_the_checklist_lists_each_applicable_item_with_its_answer(stage1, lead_assessor):
    save(stage1, lead_assessor, {"A-01": "conform"})

    overview = checklist_of(stage1)

    rows = [row for section in overview.sections for row in section.items]
    assert len(rows) == 39
    (first_item, first_answer), (second_item, second_answer) = rows[:2]
    assert (first_item.code, first_answer.result) == ("A-01", "conform")
    assert (second_item.code, second_answer) == ("A-02", None)


def test_a_special_audit_checks_every_item(application, templates, start_audit):
    special = start_audit(application=application, kind=Audit.Kind.SPECIAL)

    assert len(applicable_items(special)) == 56
    assert unanswered_count(special) == 56


def test_a_minor_answer_without_a_finding_is_counted(stage1, lead_assessor):
    item = applicable_items(stage1)[0]
    ChecklistAnswer.objects.create(
        audit=stage1,
        item=item,
        result="minor",
        note="Nhập trực tiếp.",
        answered_by=lead_assessor,
        answered_at=stage1.created_at,
    )

    assert answers_without_finding(stage1) == 1


# --- Surveillance, recertification and the previous audit's findings ---------------------------


@pytest.fixture
def certified(application, cb_staff, lead_assessor, decider):
    """Stage 1 and stage 2 closed (stage 2 with two findings), certificate granted — all
    before any checklist template exists, so closing needs no answers."""
    closed_audit(staff=cb_staff, lead=lead_assessor, application=application)
    stage2 = started_audit(
        staff=cb_staff, lead=lead_assessor, application=application, kind=Audit.Kind.STAGE2
    )
    record_trace_test(stage2, lead_assessor)
    for text in ("Nhãn pallet thiếu SSCC.", "Chưa diễn tập thu hồi năm nay."):
        finding_raise(audit=stage2, by=lead_assessor, severity="observation", description=text)
    submit_report(stage2, lead_assessor)
    audit_approve_report(audit=stage2, by=cb_staff)
    application_submit_for_decision(
        application=application, by=cb_staff, technical_review_note="Hồ sơ đầy đủ."
    )
    application_grant(application=application, by=decider)
    return application.certificates.get(), stage2


def test_a_surveillance_audit_uses_the_surveillance_template_and_shows_the_last_findings(
    certified, templates, start_audit
):
    certificate, stage2 = certified

    surveillance = start_audit(certificate=certificate, kind=Audit.Kind.SURVEILLANCE)

    assert surveillance.checklist.template.code == "tcvn-12850-2019-surveillance"
    assert len(applicable_items(surveillance)) == 22
    findings = previous_audit_findings(surveillance)
    assert [f.description for f in findings] == [
        "Nhãn pallet thiếu SSCC.",
        "Chưa diễn tập thu hồi năm nay.",
    ]
    assert all(f.audit_id == stage2.pk for f in findings)


def test_a_recertification_audit_shows_the_findings_of_the_last_audit_of_the_certificate(
    certified,
    templates,
    start_audit,
    enterprise,
    body,
    scheme,
    enterprise_user,
    cb_staff,
):
    certificate, stage2 = certified
    renewal = application_in_evaluation(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        enterprise_user=enterprise_user,
        cb_staff=cb_staff,
        kind=Application.Kind.RECERTIFICATION,
        renews=certificate,
    )

    recertification = start_audit(application=renewal, kind=Audit.Kind.RECERTIFICATION)

    assert recertification.checklist.template.code == "tcvn-12850-2019-system"
    assert len(applicable_items(recertification)) == 56
    assert set(previous_audit_findings(recertification)) == set(stage2.findings.all())


def test_a_stage_1_audit_has_no_previous_findings(stage1):
    assert list(previous_audit_findings(stage1)) == []


def test_the_previous_audit_is_the_latest_closed_one_on_the_certificate(
    certified, templates, start_audit, lead_assessor, cb_staff
):
    certificate, _stage2 = certified
    first = start_audit(certificate=certificate, kind=Audit.Kind.SURVEILLANCE)
    finding_raise(audit=first, by=lead_assessor, severity="observation", description="Lần 1.")
    assert len(previous_audit_findings(first)) == 2  # the stage 2's, while this one is open
    save(first, lead_assessor, {i.code: "conform" for i in applicable_items(first)})
    record_trace_test(first, lead_assessor)
    submit_report(first, lead_assessor)
    audit_approve_report(audit=first, by=cb_staff)

    second = start_audit(certificate=certificate, kind=Audit.Kind.SURVEILLANCE)

    assert [f.description for f in previous_audit_findings(second)] == ["Lần 1."]
