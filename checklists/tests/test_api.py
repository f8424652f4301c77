"""The checklists API: templates (read) and an audit's checklist (read, bulk answers)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.models import Audit, Finding
from checklists.models import ChecklistAnswer, ChecklistTemplate
from checklists.selectors import applicable_items
from checklists.services import template_import
from core.tests.api_helpers import API, api_as, queries_of

pytestmark = pytest.mark.django_db

MIX = ["conform", "minor", "major", "not_applicable", "observation"]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


@pytest.fixture
def sixty_six_items(write_template, scheme):
    """A 66-item template (6 sections of 11) used by the scheme, every item in every kind."""
    text = {"vi": "Yêu cầu", "en": "Requirement"}
    template_import(
        paths=[
            write_template(
                {
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
                                    "applies_to": [
                                        "stage1",
                                        "stage2",
                                        "surveillance",
                                        "recertification",
                                    ],
                                }
                                for n in range(1, 12)
                            ],
                        }
                        for section in "ABCDEF"
                    ],
                }
            )
        ]
    )
    scheme.checklist_code = "large-checklist"
    scheme.save(update_fields=["checklist_code"])


def test_the_checklist_lists_the_items_of_the_audit_with_their_answers(stage1, cb_staff):
    checklist = api_as(cb_staff).get(f"{API}/audits/{stage1.pk}/checklist/")
    assert checklist.status_code == 200
    body = checklist.json()
    assert body["template"]["code"] == "tcvn-12850-2019-system"
    items = [item for section in body["sections"] for item in section["items"]]
    assert len(items) == body["total"]["applicable"] == len(applicable_items(stage1))
    assert all(item["answer"] is None for item in items)
    assert body["score"] is None


def test_answers_are_saved_in_one_request_and_read_back(stage1, lead_assessor):
    items = applicable_items(stage1)
    answers = [{"item": item.pk, "result": "conform"} for item in items[:-1]]
    answers.append({"item": items[-1].pk, "result": "not_applicable", "note": "Không áp dụng."})
    response = api_as(lead_assessor).patch(
        f"{API}/audits/{stage1.pk}/checklist/", answers, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["total"]["answered"] == body["total"]["applicable"] == len(items)
    assert body["score"] == 1.0
    last = body["sections"][-1]["items"][-1]
    assert (last["answer"]["result"], last["answer"]["answered_by"]) == (
        "not_applicable",
        lead_assessor.pk,
    )


def test_invalid_answers_are_400_by_item_and_nothing_is_saved(stage1, lead_assessor):
    item = applicable_items(stage1)[0]
    api = api_as(lead_assessor)
    path = f"{API}/audits/{stage1.pk}/checklist/"
    no_note = api.patch(path, [{"item": item.pk, "result": "major"}], format="json")
    assert no_note.status_code == 400
    assert list(no_note.json()["errors"]) == [item.code]
    bad_result = api.patch(path, [{"item": item.pk, "result": "perfect"}], format="json")
    assert (bad_result.status_code, list(bad_result.json()["errors"])) == (400, ["answer 1"])
    not_a_list = api.patch(path, {"item": item.pk}, format="json")
    assert not_a_list.status_code == 400
    assert not ChecklistAnswer.objects.exists()


def test_the_checklist_is_answered_only_by_the_team_while_the_audit_is_in_progress(
    stage1, cb_staff, observer, enterprise_user
):
    answer = [{"item": applicable_items(stage1)[0].pk, "result": "conform"}]
    path = f"{API}/audits/{stage1.pk}/checklist/"
    assert api_as(cb_staff).patch(path, answer, format="json").status_code == 403
    assert api_as(observer).patch(path, answer, format="json").status_code == 403
    assert api_as(enterprise_user).get(path).status_code == 200  # its own audit, read only


def test_an_audit_the_user_may_not_see_has_no_checklist_for_them(stage1, other_enterprise_user):
    path = f"{API}/audits/{stage1.pk}/checklist/"
    assert api_as(other_enterprise_user).get(path).status_code == 404
    assert api_as(other_enterprise_user).patch(path, [], format="json").status_code == 404


def test_saving_60_answers_takes_as_many_queries_as_saving_10(
    application, sixty_six_items, start_audit, lead_assessor
):
    small = start_audit(application=application, kind=Audit.Kind.STAGE1)
    large = start_audit(application=application, kind=Audit.Kind.SPECIAL)
    ContentType.objects.get_for_model(Finding)  # cached in a running process
    api = api_as(lead_assessor)

    def answers(audit: Audit, n: int) -> list[dict]:
        return [
            {"item": item.pk, "result": MIX[k % len(MIX)], "note": f"Ghi chú {k}"}
            for k, item in enumerate(applicable_items(audit)[:n])
        ]

    def first_save(audit: Audit, batch: list[dict]) -> int:
        path = f"{API}/audits/{audit.pk}/checklist/"
        api.get(path)  # warm caches, as in a running server
        with CaptureQueriesContext(connection) as captured:
            assert api.patch(path, batch, format="json").status_code == 200
        return len(captured.captured_queries)

    saved_ten = first_save(small, answers(small, 10))
    saved_sixty = first_save(large, answers(large, 60))
    assert saved_ten == saved_sixty
    assert saved_sixty <= 25
    assert Finding.objects.filter(audit=large).count() == 24  # 12 minor + 12 major raised
    assert ChecklistAnswer.objects.filter(audit=large).count() == 60


def test_templates_are_listed_and_read_with_their_sections_and_items(templates, enterprise_user):
    api = api_as(enterprise_user)
    listed = api.get(f"{API}/checklist-templates/?code=tcvn-12850-2019-system").json()
    (template,) = listed["results"]
    assert (template["version"], template["status"]) == (1, "published")
    detail = api.get(f"{API}/checklist-templates/{template['id']}/").json()
    items = [item for section in detail["sections"] for item in section["items"]]
    stored = ChecklistTemplate.objects.get(pk=template["id"]).items.count()
    assert len(items) == stored > 0
    assert {"code", "clause", "requirement_vi", "requirement_en", "guidance_vi"} <= set(items[0])
    assert queries_of(lambda: api.get(f"{API}/checklist-templates/{template['id']}/")) <= 8
