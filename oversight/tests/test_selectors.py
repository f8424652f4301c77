import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certification.tests.factories import BodyFactory
from core.clock import today
from oversight import selectors
from oversight.tests import factories

pytestmark = pytest.mark.django_db


def _counts(rows):
    return {code: n for code, _label, n in rows if n}


def test_dashboard_figures_equal_the_hand_counted_figures_of_the_jurisdiction(
    dataset, province, body
):
    figures = selectors.dashboard([province.pk])

    assert figures.applications_total == 12
    assert _counts(figures.applications_by_state) == {
        "draft": 1,
        "submitted": 1,
        "under_review": 1,
        "certified": 7,
        "refused": 2,
    }
    per_body = {b["code"]: b for b in figures.applications_by_body}
    assert set(per_body) == {"GLCERT", "TAYNGUYEN"}
    assert per_body["GLCERT"]["total"] == 8
    assert dict(per_body["GLCERT"]["states"]) == {"certified": 5, "draft": 1, "refused": 2}
    assert dict(per_body["TAYNGUYEN"]["states"]) == {
        "certified": 2,
        "submitted": 1,
        "under_review": 1,
    }

    assert figures.certificates_total == 7
    assert _counts(figures.certificates_by_state) == {
        "active": 4,
        "suspended": 1,
        "withdrawn": 1,
        "expired": 1,
    }
    assert figures.expiring_count == 2
    assert [c.pk for c in figures.expiring] == [dataset.cert_c.pk, dataset.cert_f1.pk]
    assert figures.overdue_surveillance_count == 2
    assert [c.pk for c in figures.overdue_surveillance] == [dataset.cert_c.pk, dataset.cert_d.pk]

    assert figures.certified_enterprises == 3
    assert _counts(figures.enterprises_by_sector) == {"livestock": 2, "crop": 1}
    assert figures.enterprises_by_commune == [("Xã Ia Grai", 2), ("Phường Pleiku", 1)]

    assert figures.majors_overdue_count == 2
    assert [f.days_overdue for f in figures.majors_overdue] == [3, 1]

    assert (figures.suspended_12m, figures.withdrawn_12m) == (1, 1)
    assert {e.transition for e in figures.recent_sanctions} == {"suspend", "withdraw"}

    # Decisions of the last 12 months: 0, 0 (granted today), 10, 30 (refused), 60 days.
    assert figures.decisions_12m == 5
    assert figures.median_days_to_decision == 10

    assert [r.body.code for r in figures.registrations] == ["TAYNGUYEN", "GLCERT"]
    assert figures.registrations_expiring == 1


def test_a_regulator_of_another_province_counts_only_its_own_data(dataset, other_province):
    figures = selectors.dashboard([other_province.pk])

    assert figures.applications_total == 1
    assert figures.certificates_total == 1
    assert (figures.expiring_count, figures.overdue_surveillance_count) == (1, 1)
    assert figures.certified_enterprises == 1
    assert figures.majors_overdue_count == 1
    assert (figures.suspended_12m, figures.withdrawn_12m) == (0, 0)
    assert [r.body.code for r in figures.registrations] == ["KTCERT"]


def test_suspensions_and_withdrawals_older_than_twelve_months_drop_out(dataset, province):
    later = today() + relativedelta(months=12, days=2)

    figures = selectors.sanction_figures([province.pk], later - relativedelta(months=12), later)

    assert figures == {"suspended": 0, "withdrawn": 0}


def test_the_regulator_s_provinces_are_their_jurisdictions_only(
    regulator, other_regulator, province, other_province, enterprise_user, cb_staff
):
    assert selectors.regulator_provinces(regulator) == [province]
    assert selectors.regulator_provinces(other_regulator) == [other_province]
    assert selectors.regulator_provinces(enterprise_user) == []
    assert selectors.regulator_provinces(cb_staff) == []


def _dashboard_queries(province_ids) -> int:
    with CaptureQueriesContext(connection) as queries:
        selectors.dashboard(province_ids)
    return len(queries)


def test_the_dashboard_makes_the_same_number_of_queries_at_two_data_sizes(
    province, scheme, admin_user
):
    body = BodyFactory(province=province, code="SIZECERT")
    factories.bulk_units(2, province=province, body=body, scheme=scheme, by=admin_user)
    small = _dashboard_queries([province.pk])

    factories.bulk_units(12, province=province, body=body, scheme=scheme, by=admin_user)
    figures = selectors.dashboard([province.pk])
    large = _dashboard_queries([province.pk])

    assert figures.certificates_total == 28  # the data did grow
    assert small == large
    # 13: the plan's "enterprises certified" (certificates and outside certifications) added 2.
    assert large <= 13, large


def test_plan_progress_makes_the_same_number_of_queries_at_two_data_sizes(
    province, scheme, admin_user
):
    body = BodyFactory(province=province, code="SIZECERT")
    factories.bulk_units(1, province=province, body=body, scheme=scheme, by=admin_user)
    with CaptureQueriesContext(connection) as small:
        selectors.plan_progress(province)
    factories.bulk_units(6, province=province, body=body, scheme=scheme, by=admin_user)
    with CaptureQueriesContext(connection) as large:
        selectors.plan_progress(province)

    # Targets, activities, certificates and outside certifications, products, snapshots.
    assert len(small) == len(large) <= 6


def test_lists_on_the_dashboard_are_cut_but_their_counts_are_complete(
    province, scheme, admin_user, monkeypatch
):
    monkeypatch.setattr(selectors, "LIST_LIMIT", 3)
    body = BodyFactory(province=province, code="SIZECERT")
    factories.bulk_units(5, province=province, body=body, scheme=scheme, by=admin_user)

    figures = selectors.dashboard([province.pk])

    assert figures.expiring_count == 5 and len(figures.expiring) == 3
    assert figures.majors_overdue_count == 5 and len(figures.majors_overdue) == 3


def test_decision_lead_time_has_no_median_without_decisions(province):
    day = datetime.date(2026, 6, 1)
    assert selectors.decision_lead_time([province.pk], day, day) == {"median": None, "count": 0}
