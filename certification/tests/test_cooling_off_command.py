"""`manage.py conflicts_cooling_off` (issue 15): the assignments made before declarations
began to bar for the cooling-off, listed for the body to review."""

import datetime
from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command

from audits.tests.factories import planned_audit
from certification.models import Application, ConflictDeclaration
from core.clock import today

pytestmark = pytest.mark.django_db


def _run(**options) -> str:
    out = StringIO()
    call_command("conflicts_cooling_off", stdout=out, **options)
    return out.getvalue()


def test_it_lists_the_people_barred_only_by_the_cooling_off(
    in_evaluation, cb_staff, lead_assessor, decider, enterprise
):
    audit = planned_audit(staff=cb_staff, lead=lead_assessor, application=in_evaluation)
    Application.objects.filter(pk=in_evaluation.pk).update(decision_maker=decider)
    ConflictDeclaration.objects.create(
        user=lead_assessor,
        enterprise=enterprise,
        description="Tư vấn xây dựng hệ thống truy xuất",
        ended_on=today() - relativedelta(years=1),
    )
    # Ended 3 years ago: past the 2-year cooling-off, no longer barring.
    ConflictDeclaration.objects.create(
        user=decider,
        enterprise=enterprise,
        description="Làm việc tại doanh nghiệp",
        ended_on=today() - relativedelta(years=3),
    )
    out = _run()
    lines = [line for line in out.splitlines() if "\t" in line]
    assert len(lines) == 1
    assert lead_assessor.get_full_name() in lines[0] and f"audit {audit.pk}" in lines[0]
    until = today() - relativedelta(years=1) + relativedelta(years=2)
    assert f"barred until {until:%Y-%m-%d}" in lines[0]
    assert "1 assignment(s)" in out
    # A day past the cooling-off: nothing left.
    later = today() + relativedelta(years=1, days=1)
    assert "0 assignment(s)" in _run(day=later.isoformat())


def test_a_tie_still_running_is_not_listed_as_a_cooling_off(
    in_evaluation, cb_staff, lead_assessor, enterprise
):
    planned_audit(staff=cb_staff, lead=lead_assessor, application=in_evaluation)
    for ended in (today() - datetime.timedelta(days=30), None):
        ConflictDeclaration.objects.create(
            user=lead_assessor, enterprise=enterprise, description="Cổ phần", ended_on=ended
        )
    assert "0 assignment(s)" in _run()
