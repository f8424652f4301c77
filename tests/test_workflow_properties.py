"""A stateful property test of the certification workflow (hypothesis RuleBasedStateMachine).

Random people make random transitions on applications, audits and certificates — through the
same services the pages and the API call — and after every step the invariants that make a
certificate defensible must hold:

- no active certificate with an open major finding on its file;
- the decision maker (and the technical reviewer) never on an audit team of the file decided;
- exactly one log entry per state change (each object's log is an unbroken chain ending in its
  current state);
- unique application, certificate and decision numbers;
- consistent dates (planned and actual audit dates, certificate validity, decisions after
  submissions).

Bounded (few examples, few steps) so it runs in `make test`; every example starts from the
same world inside a savepoint that is rolled back.
"""

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from audits.models import Audit, AuditTeamMember, Finding
from audits.services import audit_approve_report, audit_start, audit_team_add, finding_raise
from audits.tests.factories import (
    TRACE_TEST_KINDS,
    closed_audit,
    planned_audit,
    record_trace_test,
    sign,
    submit_report,
)
from certification.models import Application, Certificate, Decision, Role
from certification.services import (
    application_accept,
    application_create,
    application_grant,
    application_refuse,
    application_reject,
    application_request_revision,
    application_resubmit,
    application_return_to_evaluation,
    application_start_review,
    application_submit,
    application_submit_for_decision,
    application_withdraw,
    certificate_reinstate,
    certificate_suspend,
    certificate_withdraw,
)
from certification.tests.conftest import SCOPE
from certification.tests.factories import SchemeFactory, UserFactory, grant, registered_body
from core.clock import today
from core.exceptions import DomainError
from core.models import LogEntry

REFUSALS = (DomainError, PermissionDenied, ValidationError)
NOTE = "Ghi chú kiểm thử."

APPLICATION_STEPS = {
    "submit": lambda a, u: application_submit(application=a, by=u),
    "resubmit": lambda a, u: application_resubmit(application=a, by=u),
    "start_review": lambda a, u: application_start_review(application=a, by=u),
    "request_revision": lambda a, u: application_request_revision(
        application=a, by=u, comment=NOTE
    ),
    "reject": lambda a, u: application_reject(application=a, by=u, comment=NOTE),
    "accept": lambda a, u: application_accept(
        application=a, by=u, contract_reference="HĐ-01", scope_within_competence=True
    ),
    "submit_for_decision": lambda a, u: application_submit_for_decision(
        application=a, by=u, technical_review_note=NOTE
    ),
    "return_to_evaluation": lambda a, u: application_return_to_evaluation(
        application=a, by=u, comment=NOTE
    ),
    "grant": lambda a, u: application_grant(application=a, by=u),
    "refuse": lambda a, u: application_refuse(application=a, by=u, comment=NOTE),
    "withdraw": lambda a, u: application_withdraw(application=a, by=u),
}
CERTIFICATE_STEPS = {
    "suspend": lambda c, u: certificate_suspend(
        certificate=c, by=u, comment=NOTE, until=today() + datetime.timedelta(days=30)
    ),
    "reinstate": lambda c, u: certificate_reinstate(certificate=c, by=u, comment=NOTE),
    "withdraw": lambda c, u: certificate_withdraw(certificate=c, by=u, comment=NOTE),
}


# What the examples did, so the test can show it was not vacuous.
STATS = {"done": 0, "refused": 0}


def attempt(call) -> bool:
    """Run `call()` in a savepoint: True when it went through, False when it was refused
    (a refusal leaves nothing behind)."""
    try:
        with transaction.atomic():
            call()
    except REFUSALS:
        STATS["refused"] += 1
        return False
    STATS["done"] += 1
    return True


class Cast:
    """The world every example starts from (built once per test)."""

    people: dict
    enterprise = body = scheme = None


class Workflow(RuleBasedStateMachine):
    cast: Cast

    applications = Bundle("applications")
    certificates = Bundle("certificates")

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def person(self, name: str):
        return self.cast.people[name]

    # --- rules -----------------------------------------------------------------------------

    @initialize(target=applications)
    def a_file_ready_for_decision(self):
        """One application walked to `decision_pending` the proper way (clean stage 1 and
        stage 2): grants, refusals and returns are reachable within a few steps."""
        staff, lead = self.person("cb_staff"), self.person("lead")
        application = application_create(
            enterprise=self.cast.enterprise,
            body=self.cast.body,
            scheme=self.cast.scheme,
            by=self.person("enterprise"),
            **SCOPE,
        )
        application_submit(application=application, by=self.person("enterprise"))
        application_start_review(application=application, by=staff)
        application_accept(
            application=application,
            by=staff,
            contract_reference="HĐ-01",
            scope_within_competence=True,
        )
        for kind in (Audit.Kind.STAGE1, Audit.Kind.STAGE2):
            closed_audit(staff=staff, lead=lead, application=application, kind=kind)
        application.refresh_from_db()
        return application_submit_for_decision(
            application=application, by=staff, technical_review_note=NOTE
        )

    @rule(target=applications, by=st.sampled_from(["enterprise", "cb_staff", "outsider"]))
    def open_application(self, by):
        made = []

        def call():
            made.append(
                application_create(
                    enterprise=self.cast.enterprise,
                    body=self.cast.body,
                    scheme=self.cast.scheme,
                    by=self.person(by),
                    **SCOPE,
                )
            )

        attempt(call)
        return made[0] if made else None

    @rule(
        application=applications,
        name=st.sampled_from(sorted(APPLICATION_STEPS)),
        by=st.sampled_from(
            ["enterprise", "cb_staff", "lead", "member", "decider", "decider2", "regulator"]
        ),
    )
    def application_step(self, application, name, by):
        if application is None:
            return
        application.refresh_from_db()
        attempt(lambda: APPLICATION_STEPS[name](application, self.person(by)))

    @rule(application=applications)
    def advance(self, application):
        """The next step of the happy path, by the person the workflow names: random walks
        alone rarely get far enough to issue a certificate."""
        if application is None:
            return
        application.refresh_from_db()
        step = {
            Application.State.DRAFT: ("submit", "enterprise"),
            Application.State.REVISION_REQUESTED: ("resubmit", "enterprise"),
            Application.State.SUBMITTED: ("start_review", "cb_staff"),
            Application.State.UNDER_REVIEW: ("accept", "cb_staff"),
            Application.State.IN_EVALUATION: ("submit_for_decision", "cb_staff"),
            Application.State.DECISION_PENDING: ("grant", "decider"),
        }.get(application.state)
        if step is not None:
            name, by = step
            attempt(lambda: APPLICATION_STEPS[name](application, self.person(by)))

    @rule(
        application=applications,
        lead=st.sampled_from(["lead", "member", "decider"]),
        open_major=st.booleans(),
        add_decider=st.booleans(),
    )
    def audit_the_file(self, application, lead, open_major, add_decider):
        """Stage 1 and stage 2 walked to closed by a random lead; maybe a major finding left
        open, maybe the decision maker put on the team."""
        if application is None:
            return
        application.refresh_from_db()
        if application.state != Application.State.IN_EVALUATION:
            return
        staff = self.person("cb_staff")
        for kind in (Audit.Kind.STAGE1, Audit.Kind.STAGE2):

            def walk(kind=kind):
                audit = planned_audit(
                    staff=staff, lead=self.person(lead), application=application, kind=kind
                )
                if add_decider:
                    audit_team_add(
                        audit=audit, user=self.person("decider"), role="member", by=staff
                    )
                    sign(audit, self.person("decider"))
                audit = audit_start(audit=audit, by=self.person(lead))
                if kind in TRACE_TEST_KINDS:
                    record_trace_test(audit, self.person(lead))
                if open_major and kind == Audit.Kind.STAGE2:
                    finding_raise(
                        audit=audit,
                        by=self.person(lead),
                        severity=Finding.Severity.MAJOR,
                        description="Không truy xuất được lô hàng.",
                    )
                submit_report(audit, self.person(lead))
                audit_approve_report(audit=audit, by=staff)

            if not attempt(walk):
                return

    @rule(
        target=certificates,
        application=applications,
        by=st.sampled_from(["decider", "decider2", "cb_staff", "lead"]),
    )
    def grant(self, application, by):
        if application is None:
            return None
        application.refresh_from_db()
        issued = []
        attempt(
            lambda: issued.append(application_grant(application=application, by=self.person(by)))
        )
        return issued[0] if issued else None

    @rule(
        certificate=certificates,
        name=st.sampled_from(sorted(CERTIFICATE_STEPS)),
        by=st.sampled_from(["cb_staff", "enterprise", "decider", "regulator", "lead"]),
    )
    def certificate_step(self, certificate, name, by):
        if certificate is None:
            return
        certificate.refresh_from_db()
        attempt(lambda: CERTIFICATE_STEPS[name](certificate, self.person(by)))

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def no_active_certificate_with_an_open_major_on_its_file(self):
        STATS["certificates"] = max(STATS.get("certificates", 0), Certificate.objects.count())
        for certificate in Certificate.objects.filter(state=Certificate.State.ACTIVE):
            open_majors = Finding.objects.filter(
                audit__application=certificate.application, severity=Finding.Severity.MAJOR
            ).exclude(state=Finding.State.CLOSED)
            assert not open_majors.exists(), certificate.number

    @invariant()
    def the_decision_maker_is_never_on_the_team(self):
        for decision in Decision.objects.select_related("application"):
            on_team = AuditTeamMember.objects.filter(
                audit__application=decision.application
            ).values_list("user_id", flat=True)
            assert decision.decision_maker_id not in set(on_team), decision.pk
            reviewer = decision.application.technical_reviewer_id
            assert reviewer is None or reviewer not in set(on_team), decision.pk

    @invariant()
    def exactly_one_log_entry_per_state_change(self):
        for model in (Application, Certificate, Audit, Finding):
            for obj in model.objects.all():
                entries = [
                    e
                    for e in LogEntry.objects.for_object(obj).order_by("created_at", "id")
                    if e.target_state
                ]
                assert entries, (model.__name__, obj.pk, "no log entry")
                for before, after in itertools.pairwise(entries):
                    assert after.source_state == before.target_state, (
                        model.__name__,
                        obj.pk,
                        [(e.transition, e.source_state, e.target_state) for e in entries],
                    )
                assert entries[-1].target_state == obj.state, (
                    model.__name__,
                    obj.pk,
                    obj.state,
                    [(e.transition, e.source_state, e.target_state) for e in entries],
                )

    @invariant()
    def numbers_are_unique(self):
        for model in (Application, Certificate, Decision):
            duplicated = (
                model.objects.exclude(number="")
                .values("number")
                .annotate(n=Count("id"))
                .filter(n__gt=1)
            )
            assert not duplicated.exists(), (model.__name__, list(duplicated))

    @invariant()
    def dates_are_consistent(self):
        for certificate in Certificate.objects.all():
            assert certificate.valid_from <= certificate.valid_until, certificate.number
            assert certificate.issued_on <= certificate.valid_until, certificate.number
        for audit in Audit.objects.all():
            assert audit.planned_start <= audit.planned_end, audit.pk
            if audit.actual_start and audit.actual_end:
                assert audit.actual_start <= audit.actual_end, audit.pk
        for decision in Decision.objects.select_related("application"):
            submitted = decision.application.submitted_at
            assert submitted is None or submitted.date() <= decision.decided_on, decision.pk


@pytest.mark.django_db
def test_random_transitions_by_random_people_keep_the_invariants(
    enterprise,
    body,
    enterprise_user,
    cb_staff,
    lead_assessor,
    decider,
    regulator,
    outsider,
    admin_user,
):
    scheme = SchemeFactory()
    registered_body(body, scheme, regulator=regulator, staff=cb_staff)
    member = grant(UserFactory(username="member"), Role.ASSESSOR, body, by=admin_user)
    decider2 = grant(UserFactory(username="decider2"), Role.DECISION_MAKER, body, by=admin_user)
    cast = Cast()
    cast.enterprise, cast.body, cast.scheme = enterprise, body, scheme
    cast.people = {
        "enterprise": enterprise_user,
        "cb_staff": cb_staff,
        "lead": lead_assessor,
        "member": member,
        "decider": decider,
        "decider2": decider2,
        "regulator": regulator,
        "outsider": outsider,
    }
    Workflow.cast = cast
    STATS.update(done=0, refused=0, certificates=0)
    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=5,
            stateful_step_count=10,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    # Not vacuous: steps went through, others were refused, and certificates were issued.
    assert STATS["done"] and STATS["refused"] and STATS["certificates"], STATS
