"""Certificates (giấy chứng nhận)."""

import secrets

from dateutil.relativedelta import relativedelta
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from certification import rules
from certification.models.applications import Application, Decision
from certification.models.organisations import Organisation
from certification.models.schemes import Scheme
from core.clock import today
from core.exceptions import DomainError
from core.models import TimeStampedModel
from core.workflow import SYSTEM, guard


def new_verification_token() -> str:
    return secrets.token_urlsafe(24)


@guard("not_yet_due", gettext_lazy("The certificate is still within its validity."))
def validity_ended(certificate) -> bool:
    return today() >= certificate.valid_until


@guard(
    "restore_window_passed", gettext_lazy("More than the allowed months have passed since expiry.")
)
def within_restore_window(certificate):
    if certificate.expired_on is None:
        return False
    months = certificate.scheme.restore_within_months
    if today() > certificate.expired_on + relativedelta(months=months):
        return DomainError(
            _("A certificate can be restored only within %(n)d months of its expiry.")
            % {"n": months},
            code="restore_window_passed",
        )
    return True


@guard(
    "recertification_incomplete",
    gettext_lazy("A recertification audit must be completed with every major finding closed."),
)
def recertification_audit_completed(certificate) -> bool:
    from audits.selectors import recertification_completed

    return recertification_completed(certificate)


class Certificate(FSMModelMixin, TimeStampedModel):
    """A certificate issued on a grant. A re-issue is a new row (version 1, 2, …) with the
    same base number; the replaced version becomes `superseded`."""

    class State(models.TextChoices):
        ACTIVE = "active", gettext_lazy("Valid")  # còn hiệu lực
        SUSPENDED = "suspended", gettext_lazy("Suspended")  # bị đình chỉ, may be reinstated
        WITHDRAWN = "withdrawn", gettext_lazy("Withdrawn")  # đã thu hồi, final
        EXPIRED = "expired", gettext_lazy("Expired")  # hết hiệu lực; restorable within the window
        SUPERSEDED = (
            "superseded",
            gettext_lazy("Superseded"),
        )  # replaced by a newer certificate or version

    number = models.CharField(gettext_lazy("number"), max_length=60, unique=True)
    base_number = models.CharField(gettext_lazy("base number"), max_length=50, db_index=True)
    version = models.PositiveSmallIntegerField(gettext_lazy("version"), default=0)
    state = FSMField(
        gettext_lazy("state"),
        max_length=12,
        choices=State.choices,
        default=State.ACTIVE,
        protected=True,
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=gettext_lazy("application"),
    )
    decision = models.ForeignKey(
        Decision,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=gettext_lazy("decision"),
    )
    enterprise = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=gettext_lazy("holder"),
    )
    body = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="issued_certificates",
        verbose_name=gettext_lazy("certification body"),
    )
    scheme = models.ForeignKey(
        Scheme,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=gettext_lazy("scheme"),
    )
    standard = models.CharField(gettext_lazy("standard"), max_length=100)
    sector_standard = models.CharField(
        gettext_lazy("sector traceability standard"), max_length=100, blank=True
    )
    # Scope as certified (a copy: later edits of the application never change a certificate).
    products = models.JSONField(gettext_lazy("products"), default=list)
    sites = models.JSONField(gettext_lazy("sites"), default=list)
    stages = models.JSONField(gettext_lazy("supply-chain stages"), default=list)
    issued_on = models.DateField(gettext_lazy("issued on"))
    # The first certification decision of the holder's uninterrupted line of certificates (kept
    # through recertification and re-issue; 17021-1 §8.2.2).
    initially_certified_on = models.DateField(
        gettext_lazy("initial certification date"), null=True, blank=True
    )
    valid_from = models.DateField(gettext_lazy("valid from"))
    valid_until = models.DateField(gettext_lazy("valid until"))
    original_valid_until = models.DateField(gettext_lazy("originally valid until"))
    next_surveillance_due = models.DateField(
        gettext_lazy("next surveillance due"), null=True, blank=True
    )
    verification_token = models.CharField(
        gettext_lazy("verification token"),
        max_length=64,
        unique=True,
        default=new_verification_token,
        editable=False,
    )
    suspended_until = models.DateField(gettext_lazy("suspended until"), null=True, blank=True)
    expired_on = models.DateField(gettext_lazy("expired on"), null=True, blank=True)
    restored_on = models.DateField(gettext_lazy("restored on"), null=True, blank=True)
    # A certificate transferred from another body: "<body> · <its certificate number>".
    transferred_from = models.CharField(
        gettext_lazy("transferred from"), max_length=420, blank=True
    )
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("superseded by"),
    )

    class Meta:
        verbose_name = gettext_lazy("certificate")
        verbose_name_plural = gettext_lazy("certificates")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["base_number", "version"], name="certificate_base_number_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")),
                name="certificate_valid_until_after_valid_from",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "valid_until"]),
            models.Index(fields=["state", "next_surveillance_due"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_current(self) -> bool:
        return self.state != self.State.SUPERSEDED

    @property
    def recertification_due(self) -> bool:
        """The next audit of the cycle is the recertification (year 3), not a surveillance."""
        return bool(self.next_surveillance_due and self.next_surveillance_due >= self.valid_until)

    @property
    def lapsed_from(self):
        """First day without validity when the certificate expired and was later restored."""
        return self.expired_on if self.restored_on and self.expired_on else None

    @property
    def lapsed_until(self):
        """The restoration decision's day: valid again from then."""
        return self.restored_on if self.restored_on and self.expired_on else None

    @transition(
        field=state,
        source=State.ACTIVE,
        target=State.SUSPENDED,
        permission=rules.body_staff,
        custom={"label": gettext_lazy("Suspend"), "requires": ("comment", "until")},
    )
    def suspend(self):
        pass

    @transition(
        field=state,
        source=State.SUSPENDED,
        target=State.ACTIVE,
        permission=rules.body_staff,
        custom={"label": gettext_lazy("Reinstate"), "requires": ("comment",)},
    )
    def reinstate(self):
        self.suspended_until = None

    @transition(
        field=state,
        source=[State.ACTIVE, State.SUSPENDED],
        target=State.WITHDRAWN,
        permission=rules.body_staff,
        custom={"label": gettext_lazy("Withdraw the certificate"), "requires": ("comment",)},
    )
    def withdraw(self):
        pass

    @transition(
        field=state,
        source=[State.ACTIVE, State.SUSPENDED],
        target=State.EXPIRED,
        conditions=[validity_ended],
        permission=SYSTEM,
        custom={"label": gettext_lazy("Expire"), "system": True},
    )
    def expire(self):
        # It expired when its validity ended, even when the scheduled job runs days later (the
        # restoration window counts from this day).
        self.expired_on = self.valid_until

    @transition(
        field=state,
        source=State.ACTIVE,
        target=State.SUPERSEDED,
        permission=SYSTEM,
        custom={"label": gettext_lazy("Supersede"), "system": True},
    )
    def supersede(self):
        pass

    # Restoration is a certification decision: made only by granting the recertification
    # application (certification.services.applications.application_grant), never offered as
    # an action of its own.
    @transition(
        field=state,
        source=State.EXPIRED,
        target=State.ACTIVE,
        conditions=[within_restore_window, recertification_audit_completed],
        permission=rules.restoring_decision_maker,
        custom={
            "label": gettext_lazy("Restore"),
            "system": True,
            "diagram_note": "decision: grant of the recertification within the window",
        },
    )
    def restore(self):
        self.restored_on = today()


class StopUseNotice(TimeStampedModel):
    """The body's notice to the holder to stop using a suspended or withdrawn certificate (or,
    after a scope reduction, the replaced version for what was removed) and any reference to
    it (certification mark, advertising, labels) by a deadline
    (ISO/IEC 17065 §7.11.3; 17021-1 §9.6.5). Recorded with the suspension or withdrawal and
    shown on the public page."""

    class Cause(models.TextChoices):
        SUSPENSION = "suspension", gettext_lazy("Suspension")
        WITHDRAWAL = "withdrawal", gettext_lazy("Withdrawal")
        # The replaced version after a scope reduction: stop using it for what was removed.
        REDUCTION = "reduction", gettext_lazy("Scope reduction")

    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.PROTECT,
        related_name="stop_use_notices",
        verbose_name=gettext_lazy("certificate"),
    )
    cause = models.CharField(gettext_lazy("cause"), max_length=12, choices=Cause.choices)
    issued_on = models.DateField(gettext_lazy("issued on"))
    deadline = models.DateField(gettext_lazy("stop using by"))
    text = models.TextField(gettext_lazy("notice"))
    issued_by = models.ForeignKey(
        "core.User",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("issued by"),
    )

    class Meta:
        verbose_name = gettext_lazy("notice to stop using the certificate")
        verbose_name_plural = gettext_lazy("notices to stop using the certificate")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("issued_on")),
                name="stop_use_deadline_not_before_notice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate} · {self.get_cause_display()} · {self.deadline}"
