"""Concurrency on PostgreSQL: row locks make numbering gap-free and transitions exclusive."""

import threading

import pytest
from django.db import connection, transaction

from certification.models import Application, Certificate
from certification.services import (
    application_create,
    application_reject,
    application_request_revision,
    application_start_review,
    application_submit,
)
from certification.services.certificates import certificate_number
from core.exceptions import DomainError
from core.services import history_of

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def run_together(functions):
    """Start every function at the same moment in its own thread (own DB connection); return
    what each returned or raised."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def worker(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # collected and asserted by the caller
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, fn)) for i, fn in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_twenty_concurrent_grants_in_one_body_get_distinct_gap_free_numbers(
    enterprise, body, enterprise_user, cb_staff, lead_assessor, decider, regulator
):
    from audits.models import Audit
    from audits.tests.factories import application_in_evaluation, closed_audit
    from certification.services import application_grant, application_submit_for_decision
    from certification.tests.factories import SchemeFactory, registered_body

    scheme = SchemeFactory()
    registered_body(body, scheme, regulator=regulator, staff=cb_staff)
    pending = []
    for _ in range(20):
        application = application_in_evaluation(
            enterprise=enterprise,
            body=body,
            scheme=scheme,
            enterprise_user=enterprise_user,
            cb_staff=cb_staff,
        )
        for kind in (Audit.Kind.STAGE1, Audit.Kind.STAGE2):
            closed_audit(staff=cb_staff, lead=lead_assessor, application=application, kind=kind)
        pending.append(
            application_submit_for_decision(
                application=application, by=cb_staff, technical_review_note="Đạt"
            )
        )

    results = run_together(
        [lambda a=a: application_grant(application=a, by=decider) for a in pending]
    )

    assert all(isinstance(r, Certificate) for r in results), results
    year = results[0].issued_on.year
    assert sorted(r.number for r in results) == [
        f"GLCERT-TXNG-{year}-{i:04d}" for i in range(1, 21)
    ]
    assert Certificate.objects.count() == 20


def test_twenty_concurrent_certificate_numbers_are_distinct_and_gap_free():
    def take():
        with transaction.atomic():
            return certificate_number("GLCERT", 2026)

    numbers = run_together([take] * 20)
    assert all(isinstance(n, str) for n in numbers), numbers
    assert sorted(numbers) == [f"GLCERT-TXNG-2026-{i:04d}" for i in range(1, 21)]


def test_a_rolled_back_grant_gives_its_number_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        certificate_number("GLCERT", 2027)
        raise RuntimeError("decision failed")
    assert certificate_number("GLCERT", 2027) == "GLCERT-TXNG-2027-0001"


def test_two_conflicting_transitions_at_once_one_wins_the_other_gets_a_domain_error(
    enterprise, body, enterprise_user, cb_staff
):
    from certification.tests.conftest import SCOPE
    from certification.tests.factories import SchemeFactory

    application = application_create(
        enterprise=enterprise, body=body, scheme=SchemeFactory(), by=enterprise_user, **SCOPE
    )
    application_submit(application=application, by=enterprise_user)
    application_start_review(application=application, by=cb_staff)

    results = run_together(
        [
            lambda: application_reject(
                application=application, by=cb_staff, comment="Ngoài phạm vi"
            ),
            lambda: application_request_revision(
                application=application, by=cb_staff, comment="Bổ sung"
            ),
        ]
    )
    won = [r for r in results if isinstance(r, Application)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].code == "invalid_state"
    application.refresh_from_db()
    assert application.state == won[0].state
    after_review = [e.transition for e in history_of(application)][3:]
    assert after_review == [
        won[0] and ("reject" if won[0].state == "rejected" else "request_revision")
    ]
