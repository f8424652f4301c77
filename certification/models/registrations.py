"""Body registration (đăng ký hoạt động chứng nhận): a body asks the national authority to be
registered for a scheme before it may accept applications under it; provincial regulators see
the registrations of bodies in their province."""

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from certification.models.organisations import Organisation, Province, Role
from certification.models.schemes import Scheme
from certification.selectors import has_role
from core.clock import today
from core.exceptions import DomainError
from core.limits import TEXT_MAX_LENGTH
from core.models import TimeStampedModel
from core.workflow import SYSTEM, Guard, guard, rule


@rule(gettext_lazy("Only officers of the certification body may do this."))
def staff_of_registering_body(registration, user):
    return has_role(user, Role.CB_STAFF, registration.body)


@rule(gettext_lazy("Only a national regulator decides body registrations."))
def regulator_of_jurisdiction(registration, user):
    """Registration is a national competence (Decree 107/2016 as amended by Decree 154/2018):
    only a regulator of the national jurisdiction decides; a provincial regulator sees it."""
    from certification.selectors import is_national_regulator

    if is_national_regulator(user):
        return True
    from certification.models.organisations import Membership

    if Membership.objects.active().filter(user=user, role=Role.REGULATOR).exists():
        return _(
            "Body registrations are decided by the national authority; a provincial regulator "
            "sees them but may not decide."
        )
    return False


# The least number of official auditors qualified for the scheme a registered body must have
# (Decree 107/2016, as amended).
MIN_QUALIFIED_AUDITORS = 4


def _enough_qualified_auditors(registration):
    from audits.selectors import qualified_auditor_count

    count = qualified_auditor_count(registration.body, registration.scheme, on=today())
    if count >= MIN_QUALIFIED_AUDITORS:
        return True
    return DomainError(
        _(
            "The body has %(count)d official auditor(s) currently qualified for this scheme; "
            "at least %(minimum)d are needed to register it."
        )
        % {"count": count, "minimum": MIN_QUALIFIED_AUDITORS},
        code="too_few_qualified_auditors",
    )


registration_has_enough_auditors = Guard(
    "too_few_qualified_auditors",
    gettext_lazy("The body has too few official auditors qualified for this scheme."),
    _enough_qualified_auditors,
)


@guard("registration_not_due", gettext_lazy("The registration is still within its validity."))
def registration_validity_ended(registration) -> bool:
    return registration.valid_until is not None and today() >= registration.valid_until


@guard(
    "documents_missing",
    gettext_lazy("Attach the quality manual, the list of assessors and the legal documents first."),
)
def registration_documents_attached(registration) -> bool:
    from documents.selectors import document_types_of

    needed = {"quality_manual", "assessor_list", "legal_documents"}
    return needed <= document_types_of(registration)


class BodyRegistrationQuerySet(models.QuerySet):
    def active_for(self, body_id: int, scheme_id: int) -> "BodyRegistrationQuerySet":
        return self.filter(
            body_id=body_id, scheme_id=scheme_id, state=BodyRegistration.State.REGISTERED
        )


class BodyRegistration(FSMModelMixin, TimeStampedModel):
    class State(models.TextChoices):
        DRAFT = "draft", gettext_lazy("Draft")
        SUBMITTED = "submitted", gettext_lazy("Submitted")
        UNDER_REVIEW = "under_review", gettext_lazy("Under review")
        REVISION_REQUESTED = "revision_requested", gettext_lazy("Revision requested")
        REGISTERED = (
            "registered",
            gettext_lazy("Registered"),
        )  # may accept applications under the scheme
        REJECTED = "rejected", gettext_lazy("Rejected")
        SUSPENDED = "suspended", gettext_lazy("Suspended")
        REVOKED = "revoked", gettext_lazy("Revoked")
        EXPIRED = "expired", gettext_lazy("Expired")

    body = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="registrations",
        limit_choices_to={"kind": "certification_body"},
        verbose_name=gettext_lazy("certification body"),
    )
    scheme = models.ForeignKey(
        Scheme,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=gettext_lazy("scheme"),
    )
    jurisdiction = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=gettext_lazy("registering authority"),
    )
    state = FSMField(
        gettext_lazy("state"),
        max_length=20,
        choices=State.choices,
        default=State.DRAFT,
        protected=True,
    )
    registration_number = models.CharField(
        gettext_lazy("registration number"), max_length=100, blank=True
    )
    registered_on = models.DateField(gettext_lazy("registered on"), null=True, blank=True)
    valid_until = models.DateField(gettext_lazy("valid until"), null=True, blank=True)
    # What the body declared; the decision counts the auditors qualified on the day instead
    # (audits.selectors.qualified_auditor_count).
    assessor_count = models.PositiveSmallIntegerField(
        gettext_lazy("official assessors (declared)"), default=0
    )
    note = models.TextField(gettext_lazy("note"), blank=True, max_length=TEXT_MAX_LENGTH)

    objects = BodyRegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("body registration")
        verbose_name_plural = gettext_lazy("body registrations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "scheme"],
                condition=models.Q(
                    state__in=[
                        "draft",
                        "submitted",
                        "under_review",
                        "revision_requested",
                        "registered",
                        "suspended",
                    ]
                ),
                name="registration_one_open_per_body_scheme",
                violation_error_message=gettext_lazy(
                    "This body already has an open registration for this scheme."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body} · {self.scheme.standard}"

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.SUBMITTED,
        conditions=[registration_documents_attached],
        permission=staff_of_registering_body,
        custom={"label": gettext_lazy("Submit")},
    )
    def submit(self):
        pass

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.UNDER_REVIEW,
        permission=regulator_of_jurisdiction,
        custom={"label": gettext_lazy("Start review")},
    )
    def start_review(self):
        pass

    @transition(
        field=state,
        source=State.UNDER_REVIEW,
        target=State.REVISION_REQUESTED,
        permission=regulator_of_jurisdiction,
        custom={"label": gettext_lazy("Request revision"), "requires": ("comment",)},
    )
    def request_revision(self):
        pass

    @transition(
        field=state,
        source=State.REVISION_REQUESTED,
        target=State.SUBMITTED,
        conditions=[registration_documents_attached],
        permission=staff_of_registering_body,
        custom={"label": gettext_lazy("Resubmit")},
    )
    def resubmit(self):
        pass

    @transition(
        field=state,
        source=State.UNDER_REVIEW,
        target=State.REGISTERED,
        conditions=[registration_has_enough_auditors],
        permission=regulator_of_jurisdiction,
        custom={"label": gettext_lazy("Register"), "requires": ("registration_number",)},
    )
    def register(self):
        pass

    @transition(
        field=state,
        source=State.UNDER_REVIEW,
        target=State.REJECTED,
        permission=regulator_of_jurisdiction,
        custom={"label": gettext_lazy("Reject"), "requires": ("comment",)},
    )
    def reject(self):
        pass

    @transition(
        field=state,
        source=State.REGISTERED,
        target=State.SUSPENDED,
        permission=regulator_of_jurisdiction,
        custom={"label": gettext_lazy("Suspend"), "requires": ("comment",)},
    )
    def suspend(self):
        pass

    @transition(
        field=state,
        source=State.SUSPENDED,
        target=State.REGISTERED,
        conditions=[registration_has_enough_auditors],
        permission=regulator_of_jurisdiction,
        custom={"label": gettext_lazy("Reinstate"), "requires": ("comment",)},
    )
    def reinstate(self):
        pass

    @transition(
        field=state,
        source=[State.REGISTERED, State.SUSPENDED],
        target=State.REVOKED,
        permission=regulator_of_jurisdiction,
        custom={"label": gettext_lazy("Revoke"), "requires": ("comment",)},
    )
    def revoke(self):
        pass

    @transition(
        field=state,
        source=State.REGISTERED,
        target=State.EXPIRED,
        conditions=[registration_validity_ended],
        permission=SYSTEM,
        custom={"label": gettext_lazy("Expire"), "system": True},
    )
    def expire(self):
        pass
