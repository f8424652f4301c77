import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from certification.models import Certificate
from certification.tests.factories import EnterpriseFactory
from core.clock import as_of
from core.models import LogEntry
from oversight import selectors
from oversight.models import HighRiskProductGroup, PlanActivity, PlanTarget
from oversight.services import (
    high_risk_group_save,
    high_risk_product_add,
    plan_activity_record,
    plan_target_set,
)
from oversight.tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DEFAULT_TARGETS = {
    "enterprises_certified": (10, True),
    "high_risk_traceable": (100, True),
    "models_supported": (30, False),
    "enterprises_replicating": (30, False),
    "officials_trained": (10, False),
    "awareness_classes": (10, False),
    "articles": (5, False),
    "conferences": (5, False),
    "portal_connected": (1, False),
}


def target(code: str) -> PlanTarget:
    return PlanTarget.objects.get(jurisdiction=None, code=code)


def progress_of(province, code: str) -> selectors.IndicatorProgress:
    return next(p for p in selectors.plan_progress(province) if p.target.code == code)


def test_the_plan_s_targets_are_seeded_as_editable_defaults():
    defaults = {
        t.code: (int(t.target_value), t.computed)
        for t in PlanTarget.objects.filter(jurisdiction=None)
    }
    assert defaults == DEFAULT_TARGETS
    assert set(PlanTarget.objects.values_list("year_from", "year_to")) == {(2026, 2030)}


def test_activities_add_up_per_year_and_cumulatively(province, regulator):
    with as_of(datetime.date(2026, 11, 20)):
        for day, quantity in ((datetime.date(2026, 3, 2), 4), (datetime.date(2026, 9, 9), 3)):
            plan_activity_record(
                jurisdiction=province,
                target=target("officials_trained"),
                date=day,
                description="Tập huấn TXNG cho cán bộ Sở.",
                quantity=quantity,
                by=regulator,
            )
    with as_of(datetime.date(2027, 5, 1)):
        plan_activity_record(
            jurisdiction=province,
            target=target("officials_trained"),
            date=datetime.date(2027, 4, 20),
            description="Tập huấn lần 2.",
            quantity=5,
            by=regulator,
        )

    progress = progress_of(province, "officials_trained")

    assert progress.years == [
        (2026, 7, 7),
        (2027, 5, 12),
        (2028, 0, 12),
        (2029, 0, 12),
        (2030, 0, 12),
    ]
    assert progress.total == 12
    assert progress.percent_of_target == 120.0 and progress.met


def test_recording_an_activity_is_logged_and_keeps_its_evidence(province, regulator):
    evidence = SimpleUploadedFile("bien-ban.pdf", PDF)

    activity = plan_activity_record(
        jurisdiction=province,
        target=target("articles"),
        date=datetime.date(2026, 6, 1),
        description="Bài viết trên Báo Gia Lai.",
        quantity=1,
        evidence=evidence,
        by=regulator,
    )

    assert activity.evidence_name == "bien-ban.pdf"
    assert activity.evidence_mime_type == "application/pdf"
    assert activity.evidence.read() == PDF
    entry = LogEntry.objects.for_object(activity).get()
    assert (entry.transition, entry.actor) == ("record", regulator)


def test_only_a_regulator_of_the_province_may_record_an_activity(
    province, other_regulator, enterprise_user, cb_staff, outsider
):
    for user in (other_regulator, enterprise_user, cb_staff, outsider):
        with pytest.raises(PermissionDenied):
            plan_activity_record(
                jurisdiction=province,
                target=target("articles"),
                date=datetime.date(2026, 6, 1),
                description="Bài viết.",
                quantity=1,
                by=user,
            )
    assert not PlanActivity.objects.exists()


@pytest.mark.parametrize(
    ("code", "day", "quantity", "field"),
    [
        ("enterprises_certified", datetime.date(2026, 6, 1), 1, "target"),
        ("articles", datetime.date(2025, 12, 31), 1, "date"),
        ("articles", datetime.date(2099, 1, 1), 1, "date"),
        ("articles", datetime.date(2026, 6, 1), 0, "quantity"),
    ],
)
def test_an_activity_that_does_not_fit_the_plan_is_refused(
    province, regulator, code, day, quantity, field
):
    with pytest.raises(ValidationError) as refused:
        plan_activity_record(
            jurisdiction=province,
            target=target(code),
            date=day,
            description="Hoạt động.",
            quantity=quantity,
            by=regulator,
        )
    assert field in refused.value.message_dict
    assert not PlanActivity.objects.exists()


def test_evidence_of_a_type_not_accepted_is_refused_and_nothing_is_kept(province, regulator):
    with pytest.raises(ValidationError) as refused:
        plan_activity_record(
            jurisdiction=province,
            target=target("articles"),
            date=datetime.date(2026, 6, 1),
            description="Bài viết.",
            quantity=1,
            evidence=SimpleUploadedFile("script.pdf", b"#!/bin/sh\necho hi\n"),
            by=regulator,
        )
    assert "evidence" in refused.value.message_dict
    assert not PlanActivity.objects.exists()


def test_a_regulator_sets_the_province_s_own_target_and_the_default_stays(
    province, other_province, regulator
):
    plan_target_set(
        jurisdiction=province, code="articles", target_value=Decimal("12"), by=regulator
    )

    assert progress_of(province, "articles").target.target_value == 12
    assert progress_of(other_province, "articles").target.target_value == 5
    assert target("articles").target_value == 5
    own = PlanTarget.objects.get(jurisdiction=province, code="articles")
    assert LogEntry.objects.for_object(own).get().data == {
        "previous": "5.00",
        "target_value": "12",
    }


def test_setting_a_target_is_refused_to_anyone_else(province, other_regulator, enterprise_user):
    for user in (other_regulator, enterprise_user):
        with pytest.raises(PermissionDenied):
            plan_target_set(jurisdiction=province, code="articles", target_value=1, by=user)
    assert not PlanTarget.objects.filter(jurisdiction=province).exists()


def test_enterprises_certified_are_those_holding_a_valid_certificate_at_each_years_end(
    province, other_province, body, scheme, admin_user
):
    """Issue 15, problem 5: a stock at each year's end (today for the current year), each
    enterprise once, not a count of first certificates (which kept withdrawn ones)."""
    first, second, third = (EnterpriseFactory(province=province) for _ in range(3))
    elsewhere = EnterpriseFactory(province=other_province)
    for enterprise, day in (
        (first, datetime.date(2026, 2, 1)),
        (first, datetime.date(2027, 2, 1)),
        (second, datetime.date(2026, 8, 1)),
        (third, datetime.date(2028, 1, 5)),
        (third, datetime.date(2025, 5, 5)),  # valid until 2028-05-05
        (elsewhere, datetime.date(2026, 3, 3)),
    ):
        factories.certificate(
            enterprise=enterprise, body=body, scheme=scheme, by=admin_user, issued_on=day
        )

    with as_of(datetime.date(2028, 6, 1)):
        progress = progress_of(province, "enterprises_certified")

    assert [(y, v) for y, v, _c in progress.years] == [
        (2026, 3),
        (2027, 3),
        (2028, 3),
        (2029, None),
        (2030, None),
    ]
    assert progress.total == 3
    assert progress.percent_of_target == 30.0 and not progress.met


def test_high_risk_products_are_covered_by_a_valid_certificate_or_a_tracing_enterprise(
    province, regulator, body, scheme, admin_user
):
    valid = factories.certificate(
        enterprise=EnterpriseFactory(province=province), body=body, scheme=scheme, by=admin_user
    )
    withdrawn = factories.certificate(
        enterprise=EnterpriseFactory(province=province),
        body=body,
        scheme=scheme,
        by=admin_user,
        state=Certificate.State.WITHDRAWN,
    )
    tracing = EnterpriseFactory(province=province)
    group = high_risk_group_save(jurisdiction=province, name="Nông sản", by=regulator)
    high_risk_product_add(group=group, name="Thịt lợn", certificates=[valid], by=regulator)
    high_risk_product_add(group=group, name="Sầu riêng", enterprises=[tracing], by=regulator)
    high_risk_product_add(group=group, name="Rau ăn lá", certificates=[withdrawn], by=regulator)

    coverage = selectors.high_risk_coverage(province)
    assert (coverage["total"], coverage["covered"], coverage["percent"]) == (3, 2, 66.7)
    progress = progress_of(province, "high_risk_traceable")
    assert progress.snapshot and progress.total == 66.7 and not progress.met


def test_a_high_risk_group_takes_only_what_belongs_to_the_province(
    province, other_province, regulator, body, scheme, admin_user
):
    foreign = factories.certificate(
        enterprise=EnterpriseFactory(province=other_province),
        body=body,
        scheme=scheme,
        by=admin_user,
    )
    with pytest.raises(ValidationError):
        high_risk_group_save(
            jurisdiction=province, name="Cà phê", certificates=[foreign], by=regulator
        )
    with pytest.raises(ValidationError):
        high_risk_group_save(jurisdiction=province, name="Cà phê", enterprises=[body], by=regulator)
    assert not HighRiskProductGroup.objects.exists()


def test_a_high_risk_group_name_is_unique_in_the_province(province, regulator):
    high_risk_group_save(jurisdiction=province, name="Thịt gà", by=regulator)
    with pytest.raises(ValidationError) as refused:
        high_risk_group_save(jurisdiction=province, name="Thịt gà", by=regulator)
    assert "name" in refused.value.message_dict
