"""The province's indicators (issue 15, problem 5), hand-counted: "enterprises certified"
counts enterprises holding a certificate valid at the period's end (plus certifications by
outside bodies the regulator records, each enterprise once); high-risk coverage is counted per
listed product, grouped by the ministries' lists, with a yearly snapshot; activities may belong
to a task group without a numeric target; each figure drills down to its list; the national
dashboard compares provinces. Query counts do not grow with the data."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certification.models import Certificate, Role
from certification.tests.factories import BodyFactory, EnterpriseFactory, UserFactory, grant
from core.clock import today
from core.services import log_transition
from oversight import selectors, services
from oversight.models import HighRiskProductGroup, Ministry, PlanActivity, TaskGroup
from oversight.tests import factories

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


@pytest.fixture
def world(province, other_province, body, scheme, regulator, cb_staff):
    """Gia Lai: E1 active (issued 10 days ago), E2 withdrawn today (valid a month ago), E3
    expired yesterday, E4 suspended, E5 two active certificates; E1 also certified by an
    outside body, O1 certified only outside (from 5 days ago), O3 an outside certificate
    withdrawn; Kon Tum: K1 active and an outside certification."""
    make = factories.certificate
    w = {}
    for key in ("e1", "e2", "e3", "e4", "e5", "o1", "o3"):
        w[key] = EnterpriseFactory(province=province, name=f"DN {key.upper()}")
    w["k1"] = EnterpriseFactory(province=other_province, name="DN K1")
    w["c1"] = make(enterprise=w["e1"], body=body, scheme=scheme, by=cb_staff, issued_on=days(-10))
    w["c2"] = make(
        enterprise=w["e2"],
        body=body,
        scheme=scheme,
        by=cb_staff,
        state=Certificate.State.WITHDRAWN,
        issued_on=days(-400),
    )
    log_transition(w["c2"], "withdraw", by=cb_staff, previous="active")
    w["c3"] = make(
        enterprise=w["e3"],
        body=body,
        scheme=scheme,
        by=cb_staff,
        state=Certificate.State.EXPIRED,
        issued_on=days(-800),
        valid_until=days(-1),
    )
    w["c4"] = make(
        enterprise=w["e4"],
        body=body,
        scheme=scheme,
        by=cb_staff,
        state=Certificate.State.SUSPENDED,
        issued_on=days(-400),
    )
    w["c5a"] = make(enterprise=w["e5"], body=body, scheme=scheme, by=cb_staff, issued_on=days(-400))
    w["c5b"] = make(enterprise=w["e5"], body=body, scheme=scheme, by=cb_staff, issued_on=days(-300))
    make(enterprise=w["k1"], body=body, scheme=scheme, by=cb_staff, issued_on=days(-50))
    record = services.outside_certification_record
    common = {"by": regulator, "valid_until": days(700)}
    record(
        jurisdiction=province,
        enterprise_name="DN E1",
        tax_code=w["e1"].tax_code,
        certificate_number="VN-01",
        issuer="Tổ chức X",
        valid_from=days(-200),
        **common,
    )
    record(
        jurisdiction=province,
        enterprise_name="DN O1",
        tax_code=w["o1"].tax_code,
        certificate_number="VN-02",
        issuer="Tổ chức X",
        valid_from=days(-5),
        **common,
    )
    o3 = record(
        jurisdiction=province,
        enterprise_name="DN O3",
        tax_code=w["o3"].tax_code,
        certificate_number="VN-03",
        issuer="Tổ chức Y",
        valid_from=days(-200),
        **common,
    )
    o3.withdrawn_on = days(-60)
    o3.save(update_fields=["withdrawn_on"])
    return w


def test_enterprises_certified_counts_only_valid_certificates_and_outside_ones_once(
    world, province
):
    """Fails on the code before: withdrawn certificates counted, and outside certifications
    could not be recorded."""
    now, month_ago = today(), days(-30)
    found = selectors.certified_enterprises([province.pk], [month_ago, now])
    # Today: E1 (also outside: once), E5 (two certificates: once), O1 (outside only).
    assert sorted(e.name for e in found[now]) == ["DN E1", "DN E5", "DN O1"]
    # A month ago: E2 (withdrawn today), E3 (expired yesterday), E4 (suspended: still
    # certified then) and E5; E1's own certificate was not yet issued but its outside one
    # was valid; O1's started 5 days ago.
    assert sorted(e.name for e in found[month_ago]) == ["DN E1", "DN E2", "DN E3", "DN E4", "DN E5"]
    assert selectors.certified_enterprise_count([province.pk], now) == 3
    # The count (done by the database) follows the same rules on a past day.
    assert selectors.certified_enterprise_count([province.pk], month_ago) == 5


@pytest.mark.parametrize("extra", [0, 4])
def test_the_plan_and_its_drill_down_are_hand_counted_at_two_sizes_in_constant_queries(
    client, world, province, body, scheme, cb_staff, regulator, extra, django_assert_max_num_queries
):
    """Acceptance 5: 3 enterprises certified plus one per unit of bulk data (each unit holds
    one active certificate and one suspended); the number of queries does not depend on it."""
    factories.bulk_units(extra, province=province, body=body, scheme=scheme, by=cb_staff)
    progress = {p.target.code: p for p in selectors.plan_progress(province)}
    certified = progress[selectors.ENTERPRISES_CERTIFIED]
    assert certified.total == 3 + extra
    assert certified.value_in(today().year) == 3 + extra
    client.force_login(regulator)
    client.get("/oversight/plan/")
    with CaptureQueriesContext(connection) as plan_queries:
        assert client.get("/oversight/plan/").status_code == 200
    with CaptureQueriesContext(connection) as detail_queries:
        page = client.get(f"/oversight/plan/indicators/{selectors.ENTERPRISES_CERTIFIED}/")
    assert page.status_code == 200
    assert f'data-count="{3 + extra}"' in page.text
    assert page.text.count('class="certified-enterprise"') == 3 + extra
    # The same number of queries at both sizes (compared across the parametrised runs).
    QUERIES.setdefault("plan", set()).add(len(plan_queries))
    QUERIES.setdefault("detail", set()).add(len(detail_queries))
    if len(QUERIES["plan"]) > 1 or len(QUERIES["detail"]) > 1:
        pytest.fail(f"query counts depend on the data: {QUERIES}")


QUERIES: dict[str, set[int]] = {}


@pytest.fixture
def listed(world, province, regulator):
    """MAE's list: coffee (E1's active certificate), pepper (only E2's withdrawn one), durian
    (an enterprise recorded as tracing it); MOH's list: honey (nothing)."""
    g1 = services.high_risk_group_save(
        jurisdiction=province,
        name="Nông sản",
        ministry=Ministry.AGRICULTURE_ENVIRONMENT,
        by=regulator,
    )
    g2 = services.high_risk_group_save(
        jurisdiction=province, name="Thực phẩm", ministry=Ministry.HEALTH, by=regulator
    )
    add = services.high_risk_product_add
    add(group=g1, name="Cà phê", certificates=[world["c1"]], by=regulator)
    add(group=g1, name="Hồ tiêu", certificates=[world["c2"]], by=regulator)
    add(group=g1, name="Sầu riêng", enterprises=[world["e4"]], by=regulator)
    add(group=g2, name="Mật ong", by=regulator)
    return g1, g2


def test_high_risk_coverage_is_per_product_grouped_by_ministry(listed, province):
    """Fails on the code before: one tracing enterprise covered a whole group, and products
    could not be listed."""
    coverage = selectors.high_risk_coverage(province)
    assert (coverage["covered"], coverage["total"], coverage["percent"]) == (2, 4, 50.0)
    by_ministry = {m["code"]: (m["covered"], m["total"]) for m in coverage["by_ministry"]}
    assert by_ministry == {"mae": (2, 3), "moh": (0, 1)}
    products = {p.name: p.covered for p in selectors.high_risk_products(province)}
    assert products == {"Cà phê": True, "Hồ tiêu": False, "Sầu riêng": True, "Mật ong": False}


def test_a_yearly_snapshot_freezes_the_coverage_and_feeds_the_plan(listed, province, regulator):
    snapshot = services.high_risk_snapshot_take(
        jurisdiction=province, year=today().year, by=regulator
    )
    assert (snapshot.products_covered, snapshot.products_total) == (2, 4)
    assert snapshot.by_group[0]["ministry"] == "mae"
    with pytest.raises(ValidationError):
        services.high_risk_snapshot_take(jurisdiction=province, year=today().year + 1, by=regulator)
    # The year-end job takes last year's once per province.
    assert services.high_risk_snapshots_take_due(today()) == 1
    assert services.high_risk_snapshots_take_due(today()) == 0
    progress = {p.target.code: p for p in selectors.plan_progress(province)}
    assert progress[selectors.HIGH_RISK_TRACEABLE].value_in(today().year) == 50.0


def test_the_high_risk_drill_down_lists_the_products(client, listed, regulator):
    client.force_login(regulator)
    page = client.get(f"/oversight/plan/indicators/{selectors.HIGH_RISK_TRACEABLE}/")
    assert page.status_code == 200
    assert page.text.count('class="high-risk-product') == 4
    assert page.text.count('data-covered="1"') == 2


def test_an_activity_may_belong_to_a_task_group_without_a_target(client, province, regulator):
    """Fails on the code before: every activity needed an indicator with a numeric target."""
    activity = services.plan_activity_record(
        jurisdiction=province,
        target=None,
        task_group=TaskGroup.COOPERATION,
        date=today(),
        description="Hội thảo hợp tác với đối tác Hàn Quốc về truy xuất nguồn gốc.",
        quantity=1,
        by=regulator,
    )
    assert activity.target is None
    with pytest.raises(ValidationError):
        services.plan_activity_record(
            jurisdiction=province,
            target=None,
            date=today(),
            description="Không thuộc nhóm nào.",
            quantity=1,
            by=regulator,
        )
    summary = {code: n for code, _label, n in selectors.task_group_summary(province)}
    assert summary[TaskGroup.COOPERATION] == 1 and len(summary) == 7
    client.force_login(regulator)
    page = client.get(f"/oversight/plan/task-groups/{TaskGroup.COOPERATION}/")
    assert page.text.count('class="plan-activity"') == 1
    posted = client.post(
        "/oversight/plan/activities/new/",
        {
            "task_group": TaskGroup.DATABASE,
            "date": today().isoformat(),
            "description": "Nâng cấp cơ sở dữ liệu truy xuất của tỉnh.",
            "quantity": 1,
        },
    )
    assert posted.status_code == 302
    assert PlanActivity.objects.filter(task_group=TaskGroup.DATABASE, target=None).count() == 1


def test_the_regulator_records_an_outside_certification_on_its_page(client, province, regulator):
    client.force_login(regulator)
    response = client.post(
        "/oversight/plan/outside-certifications/",
        {
            "enterprise_name": "HTX Cà phê Ia Grai",
            "tax_code": "5900181446",
            "certificate_number": "QT-2026-15",
            "issuer": "Trung tâm Kỹ thuật TĐC 3",
            "valid_from": days(-10).isoformat(),
            "valid_until": days(1000).isoformat(),
        },
    )
    assert response.status_code == 302
    listed = client.get("/oversight/plan/outside-certifications/")
    assert "QT-2026-15" in listed.text
    assert selectors.certified_enterprise_count([province.pk], today()) == 1


def test_only_a_regulator_of_the_province_records_outside_certifications(
    client, province, cb_staff, other_regulator
):
    client.force_login(cb_staff)
    assert client.get("/oversight/plan/outside-certifications/").status_code == 403
    client.force_login(other_regulator)
    assert (
        client.get(f"/oversight/plan/outside-certifications/?province={province.pk}").status_code
        == 403
    )


def test_the_national_dashboard_compares_provinces(client, world, province, national_regulator):
    """Fails on the code before: a national regulator saw nothing."""
    client.force_login(national_regulator)
    page = client.get("/oversight/")
    assert page.status_code == 200
    figures = page.context["figures"]
    rows = {row["province"].code: row for row in figures.provinces}
    assert rows["gia-lai"]["enterprises_certified"] == 3
    assert rows["kon-tum"]["enterprises_certified"] == 1
    assert 'data-province="kon-tum"' in page.text


def test_the_comparison_counts_certified_enterprises_as_the_plan_indicator_does(
    world, province, other_province
):
    """Fails on the code before: the comparison counted certificates active now, also for a
    past day (E2, withdrawn today, and E4, suspended since, were certified a month ago)."""
    ids = [province.pk, other_province.pk]
    for day in (today(), days(-30)):
        rows = selectors.province_comparison(ids, day, {}, {})
        assert {row["province"].pk: row["enterprises_certified"] for row in rows} == {
            pk: selectors.certified_enterprise_count([pk], day) for pk in ids
        }
    rows = selectors.province_comparison(ids, days(-30), {}, {})
    assert {row["province"].pk: row["enterprises_certified"] for row in rows}[province.pk] == 5


def test_a_provincial_regulator_sees_only_their_province_and_no_comparison(
    client, world, regulator
):
    client.force_login(regulator)
    page = client.get("/oversight/")
    assert page.context["figures"].provinces is None
    assert page.context["figures"].enterprises_certified == 3


def test_the_product_list_only_takes_the_provinces_certificates(
    world, province, regulator, other_province, admin_user
):
    group = HighRiskProductGroup.objects.create(jurisdiction=province, name="Rau quả")
    other = EnterpriseFactory(province=other_province)
    certificate = factories.certificate(
        enterprise=other, body=BodyFactory(), scheme=world["c1"].scheme, by=regulator
    )
    with pytest.raises(ValidationError):
        services.high_risk_product_add(
            group=group, name="Bơ", certificates=[certificate], by=regulator
        )
    stranger = grant(UserFactory(), Role.REGULATOR, other_province, by=admin_user)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.high_risk_product_add(group=group, name="Bơ", by=stranger)


def test_the_dashboards_certified_figure_opens_its_list(client, world, regulator):
    client.force_login(regulator)
    page = client.get("/oversight/")
    assert 'id="drill-enterprises-certified"' in page.text
    listed = client.get(f"/oversight/plan/indicators/{selectors.ENTERPRISES_CERTIFIED}/")
    assert listed.text.count('class="certified-enterprise"') == 3
