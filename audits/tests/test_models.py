import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audits.models import Audit, AuditTeamMember, Finding, ImpartialityDeclaration, TraceTest
from audits.tests.factories import BAD_GTIN, GTIN
from audits.validators import validate_gtin

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("gtin", ["96385074", "036000291452", GTIN, "10614141000415"])
def test_gtins_of_every_length_with_a_right_check_digit_are_accepted(gtin):
    validate_gtin(gtin)


@pytest.mark.parametrize(
    "gtin", ["", "89345880122", "8934588O12228", "123456789", "893458801222811"]
)
def test_a_gtin_of_the_wrong_length_or_with_letters_is_refused(gtin):
    with pytest.raises(ValidationError) as exc:
        validate_gtin(gtin)
    assert exc.value.code == "gtin_format"


def test_a_gtin_with_a_wrong_check_digit_is_refused_naming_the_right_digit():
    with pytest.raises(ValidationError) as exc:
        validate_gtin(BAD_GTIN)
    assert exc.value.code == "gtin_checksum"
    assert exc.value.params == {"expected": 8}
    assert "8" in exc.value.messages[0]


def test_a_trace_test_must_end_after_it_starts(stage1, lead_assessor):
    start = timezone.now()
    trace = TraceTest(
        audit=stage1,
        gtin=GTIN,
        lot="L1",
        direction="both",
        started_at=start,
        ended_at=start,
        quantity_in=Decimal(10),
        quantity_out=Decimal(10),
        result="pass",
        recorded_by=lead_assessor,
    )
    with pytest.raises(ValidationError) as exc:
        trace.full_clean()
    assert "ended_at" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        trace.save()


@pytest.mark.parametrize(("hours", "within"), [(3, True), (4, True), (5, False)])
def test_a_trace_test_is_within_target_up_to_the_schemes_target_hours(
    stage1, lead_assessor, hours, within
):
    start = timezone.now() - datetime.timedelta(hours=6)
    trace = TraceTest(
        audit=stage1,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=hours),
        quantity_in=Decimal("100.5"),
        quantity_out=Decimal("98"),
    )
    assert trace.within_target is within
    assert trace.duration_hours == Decimal(hours)
    assert trace.quantity_difference == Decimal("2.5")


def test_an_audit_belongs_to_an_application_or_a_certificate_never_both(
    application, certificate, cb_staff
):
    with pytest.raises(IntegrityError), transaction.atomic():
        Audit.objects.create(
            application=application,
            certificate=certificate,
            kind="special",
            planned_start=datetime.date(2026, 5, 4),
            planned_end=datetime.date(2026, 5, 4),
            created_by=cb_staff,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Audit.objects.create(
            kind="special",
            planned_start=datetime.date(2026, 5, 4),
            planned_end=datetime.date(2026, 5, 4),
            created_by=cb_staff,
        )


def test_a_surveillance_audit_belongs_to_a_certificate(application, cb_staff):
    with pytest.raises(IntegrityError), transaction.atomic():
        Audit.objects.create(
            application=application,
            kind="surveillance",
            planned_start=datetime.date(2026, 5, 4),
            planned_end=datetime.date(2026, 5, 4),
            created_by=cb_staff,
        )


def test_the_database_keeps_one_open_audit_of_a_kind_per_application(planned_stage1, cb_staff):
    twin = Audit(
        application=planned_stage1.application,
        kind="stage1",
        planned_start=datetime.date(2026, 5, 4),
        planned_end=datetime.date(2026, 5, 5),
        created_by=cb_staff,
    )
    with pytest.raises(ValidationError) as exc:
        twin.validate_constraints()
    assert "đã" in str(exc.value) or "already" in str(exc.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_the_database_keeps_one_lead_per_team(planned_stage1, other_assessor):
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditTeamMember.objects.create(audit=planned_stage1, user=other_assessor, role="lead")


def test_the_state_of_an_audit_cannot_be_assigned(planned_stage1):
    with pytest.raises(AttributeError):
        planned_stage1.state = Audit.State.CLOSED


def test_a_declaration_is_clean_only_when_every_tie_is_denied(planned_stage1, lead_assessor):
    declaration = ImpartialityDeclaration.objects.get(audit=planned_stage1, user=lead_assessor)
    assert declaration.is_clean
    declaration.no_family_ties = False
    assert not declaration.is_clean


def test_due_dates_follow_the_scheme(scheme):
    end = datetime.date(2026, 5, 4)
    assert Finding.due_date_for("major", scheme, end) == datetime.date(2026, 8, 2)
    assert Finding.due_date_for("minor", scheme, end) == datetime.date(2026, 6, 3)
    assert Finding.due_date_for("observation", scheme, end) is None


def test_an_audit_knows_its_client_body_and_scheme(planned_stage1, enterprise, body, scheme):
    assert (planned_stage1.client, planned_stage1.body, planned_stage1.scheme) == (
        enterprise,
        body,
        scheme,
    )
