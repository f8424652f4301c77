"""Every figure card of the regulator dashboard drills down to its list (issue 15): the list
counts exactly the card's figure — hand-counted on the reference data of Gia Lai, and again
after the data grew — for the provincial and the national dashboard, paginated, with the same
number of queries at both sizes."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certification.tests.factories import BodyFactory
from oversight.drilldown import FIGURES
from oversight.tests import factories

pytestmark = pytest.mark.django_db

# The reference data of Gia Lai (conftest `dataset`, counted by hand in test_selectors).
HAND_COUNTED = {
    "applications": 12,
    "certificates": 7,
    "certified_enterprises": 3,
    "expiring": 2,
    "overdue_surveillance": 2,
    "majors_overdue": 2,
    "suspended_12m": 1,
    "withdrawn_12m": 1,
    "median_days": 5,  # the decisions of the last 12 months behind the median
}
# What each enterprise of `factories.bulk_units` adds: an active certificate (expiring within
# 90 days, surveillance overdue, decided within 12 months) and a suspended one (suspended
# today, with an overdue major), each with its certified application, plus a draft and a
# submitted application.
PER_UNIT = {
    "applications": 4,
    "certificates": 2,
    "certified_enterprises": 1,
    "expiring": 1,
    "overdue_surveillance": 1,
    "majors_overdue": 1,
    "suspended_12m": 1,
    "withdrawn_12m": 0,
    "median_days": 1,
}
# The figure each card shows (its data-figure), or the note's count for the median.
CARD = {
    "median_days": lambda figures: figures.decisions_12m,
}
ATTRIBUTE = {
    "applications": "applications_total",
    "certificates": "certificates_total",
    "certified_enterprises": "certified_enterprises",
    "enterprises_certified": "enterprises_certified",
    "expiring": "expiring_count",
    "overdue_surveillance": "overdue_surveillance_count",
    "majors_overdue": "majors_overdue_count",
    "suspended_12m": "suspended_12m",
    "withdrawn_12m": "withdrawn_12m",
}


def _figure(figures, code) -> int:
    if code in CARD:
        return CARD[code](figures)
    return getattr(figures, ATTRIBUTE[code])


def _listed(client, code, query=""):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/oversight/figures/{code}/{query}")
    assert page.status_code == 200, code
    return page.context["page_obj"].paginator.count, len(queries), page


def test_every_card_of_the_dashboard_links_to_its_list(client, dataset, regulator):
    client.force_login(regulator)
    page = client.get("/oversight/").content.decode()
    linked = set(re.findall(r'data-drill="([a-z_0-9]+)"', page))
    assert linked == set(FIGURES)
    assert len(FIGURES) == 10


def test_each_list_counts_its_figure_at_two_sizes_in_constant_queries(
    client, dataset, province, scheme, regulator, admin_user
):
    client.force_login(regulator)
    figures = client.get("/oversight/").context["figures"]
    small = {}
    for code in FIGURES:
        count, queries, page = _listed(client, code)
        assert count == _figure(figures, code), code
        if code in HAND_COUNTED:
            assert count == HAND_COUNTED[code], code
        small[code] = queries
        rows = page.content.decode().count("<tr>") - 1  # less the header row
        assert rows == min(count, 50), code

    body = BodyFactory(province=province, code="SIZECERT")
    factories.bulk_units(30, province=province, body=body, scheme=scheme, by=admin_user)
    figures = client.get("/oversight/").context["figures"]
    assert figures.certificates_total == 7 + 60  # the data did grow
    for code in FIGURES:
        count, queries, page = _listed(client, code)
        assert count == _figure(figures, code), code
        if code in HAND_COUNTED:
            assert count == HAND_COUNTED[code] + 30 * PER_UNIT[code], code
        assert queries == small[code], code
    # The certificates' list runs to a second page, which holds the rest.
    second = client.get("/oversight/figures/certificates/?page=2").context["page_obj"]
    assert len(second.object_list) == 67 - 50


def test_the_national_lists_count_every_province(client, dataset, national_regulator):
    client.force_login(national_regulator)
    figures = client.get("/oversight/").context["figures"]
    assert figures.provinces  # the national dashboard
    for code in FIGURES:
        count, _queries, _page = _listed(client, code)
        assert count == _figure(figures, code), code
    # Gia Lai's 12 applications and Kon Tum's one.
    assert _listed(client, "applications")[0] == 13


def test_a_list_follows_the_chosen_province_and_search(
    client, dataset, province, other_province, national_regulator, regulator
):
    client.force_login(national_regulator)
    assert _listed(client, "applications", f"?province={province.pk}")[0] == 12
    assert _listed(client, "applications", f"?province={other_province.pk}")[0] == 1
    number = dataset.cert_c.number
    count, _q, page = _listed(client, "certificates", f"?q={number}")
    assert count == 1 and number in page.content.decode()
    # A provincial regulator may not open another province's list; others not at all.
    client.force_login(regulator)
    assert (
        client.get(f"/oversight/figures/applications/?province={other_province.pk}").status_code
        == 403
    )
    assert client.get("/oversight/figures/nothing/").status_code == 404


def test_the_lists_are_for_regulators_only(client, dataset, cb_staff, enterprise_user):
    for user in (cb_staff, enterprise_user):
        client.force_login(user)
        assert client.get("/oversight/figures/applications/").status_code == 403
