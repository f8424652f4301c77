"""Applications (hồ sơ đăng ký chứng nhận) and certification decisions."""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from certification import rules
from certification.models.organisations import Organisation
from certification.models.schemes import Scheme
from core.clock import today
from core.exceptions import DomainError
from core.limits import TEXT_MAX_LENGTH
from core.models import TimeStampedModel
from core.workflow import guard


class SupplyChainStage(models.TextChoices):
    PRIMARY_PRODUCTION = "primary_production", gettext_lazy("Growing / farming")
    HARVESTING = "harvesting", gettext_lazy("Harvesting / collection")
    PROCESSING = "processing", gettext_lazy("Processing")
    PACKING = "packing", gettext_lazy("Packing")
    STORAGE = "storage", gettext_lazy("Storage")
    TRANSPORT = "transport", gettext_lazy("Transport")
    DISTRIBUTION = "distribution", gettext_lazy("Distribution / wholesale")
    RETAIL = "retail", gettext_lazy("Retail")
    EXPORT = "export", gettext_lazy("Export")


# --- Guards -------------------------------------------------------------------------------


@guard(
    "scope_missing",
    gettext_lazy(
        "Fill in the scope first: at least one product, one site and one supply-chain stage."
    ),
)
def scope_filled(application) -> bool:
    return bool(application.products and application.sites and application.stages)


@guard(
    "mark_rules_not_accepted",
    gettext_lazy("Accept the rules for using the certificate and the certification mark first."),
)
def mark_rules_accepted(application) -> bool:
    return (
        not application.scheme.mark_use_rules.strip()
        or application.mark_rules_accepted_at is not None
    )


@guard("documents_missing", gettext_lazy("Required documents are missing."))
def required_documents_attached(application):
    missing = application.missing_document_types()
    if not missing:
        return True
    from certification.models.schemes import DocumentType

    labels = ", ".join(
        str(DocumentType(t).label) if t in DocumentType.values else t for t in missing
    )
    return DomainError(
        _("Attach the required documents first: %(types)s.") % {"types": labels},
        code="documents_missing",
    )


@guard(
    "body_not_registered", gettext_lazy("The certification body is not registered for this scheme.")
)
def body_registered_for_scheme(application) -> bool:
    from certification.models.registrations import BodyRegistration

    return BodyRegistration.objects.active_for(application.body_id, application.scheme_id).exists()


@guard(
    "body_conflict",
    gettext_lazy("The body has a recorded conflict of interest with this enterprise."),
)
def no_body_conflict(application):
    """The body (or a related body) has not consulted the client, and shares no owners with it,
    within the scheme's cooling-off (ISO/IEC 17021-1 §5.2.5-5.2.7)."""
    from certification.models.impartiality import BodyConflict

    conflict = (
        BodyConflict.objects.barring(
            body_id=application.body_id,
            enterprise_id=application.enterprise_id,
            day=today(),
            years=application.scheme.cooling_off_years,
        )
        .order_by("-pk")
        .first()
    )
    if conflict is None:
        return True
    return DomainError(
        _(
            "%(body)s may not certify this enterprise: %(kind)s (%(description)s). It is barred "
            "until %(years)d years after the relation ends."
        )
        % {
            "body": application.body,
            "kind": conflict.get_kind_display().lower(),
            "description": conflict.description,
            "years": application.scheme.cooling_off_years,
        },
        code="body_conflict",
    )


def renewal_blocker(kind: str, certificate) -> DomainError | None:
    """Why an application of `kind` may not renew `certificate` today (None when it may).

    A recertification names an active or suspended certificate, or one expired no longer ago
    than the scheme's restoration window (17021-1 §9.6.3.2.5); later, only an initial
    certification is possible. A scope extension names an active or suspended certificate."""
    if kind in (Application.Kind.INITIAL, Application.Kind.TRANSFER) or certificate is None:
        return None
    state = certificate.state
    if state in ("active", "suspended"):
        return None
    if kind == Application.Kind.RECERTIFICATION and state == "expired":
        months = certificate.scheme.restore_within_months
        expired_on = certificate.expired_on or certificate.valid_until
        last_day = expired_on + relativedelta(months=months)
        if today() <= last_day:
            return None
        return DomainError(
            _(
                "Certificate %(number)s expired on %(day)s, more than %(n)d months ago: it can no "
                "longer be restored by recertification. Apply for initial certification "
                "(stage 1 and stage 2 audits)."
            )
            % {"number": certificate.number, "day": expired_on.strftime("%d/%m/%Y"), "n": months},
            code="recertification_window_passed",
        )
    return DomainError(
        _("Certificate %(number)s is %(state)s: it cannot be renewed or extended.")
        % {"number": certificate.number, "state": certificate.get_state_display()},
        code="certificate_not_renewable",
    )


@guard(
    "recertification_window_passed",
    gettext_lazy("The certificate can no longer be renewed: apply for initial certification."),
)
def renewal_possible(application):
    if application.kind in (Application.Kind.INITIAL, Application.Kind.TRANSFER):
        return True
    return renewal_blocker(application.kind, application.renews) or True


def _scope_outside(application) -> list[str]:
    """What a scope reduction names beyond its certificate's scope (empty when a subset)."""
    cert = application.renews
    if cert is None:
        return []
    products = {(p.get("name"), p.get("gtin") or "") for p in cert.products or []}
    sites = {s.get("name") for s in cert.sites or []}
    outside = [
        p.get("name", "")
        for p in application.products or []
        if (p.get("name"), p.get("gtin") or "") not in products
    ]
    outside += [s.get("name", "") for s in application.sites or [] if s.get("name") not in sites]
    outside += [st for st in application.stages or [] if st not in (cert.stages or [])]
    return outside


@guard(
    "scope_not_reduced",
    gettext_lazy("A scope reduction keeps part of the certificate's scope and adds nothing."),
)
def scope_reduced(application):
    if application.kind != Application.Kind.SCOPE_REDUCTION or application.renews is None:
        return True
    outside = _scope_outside(application)
    if outside:
        return DomainError(
            _("A scope reduction cannot add to the certificate's scope: %(names)s.")
            % {"names": ", ".join(outside)},
            code="scope_not_reduced",
        )
    cert = application.renews
    same = (
        len(application.products or []) == len(cert.products or [])
        and len(application.sites or []) == len(cert.sites or [])
        and len(application.stages or []) == len(cert.stages or [])
    )
    if same:
        return DomainError(
            _("The scope given is the certificate's whole scope: remove what is withdrawn."),
            code="scope_not_reduced",
        )
    return True


@guard(
    "previous_certificate_missing",
    gettext_lazy("Name the previous body and its certificate (number and validity)."),
)
def previous_certificate_named(application) -> bool:
    if application.kind != Application.Kind.TRANSFER:
        return True
    return bool(
        application.previous_body_name.strip()
        and application.previous_certificate_number.strip()
        and application.previous_certificate_valid_until
    )


@guard(
    "previous_certificate_expired",
    gettext_lazy("Only a valid certificate of another body can be transferred."),
)
def previous_certificate_valid(application) -> bool:
    if application.kind != Application.Kind.TRANSFER:
        return True
    until = application.previous_certificate_valid_until
    return until is not None and until > today()


@guard(
    "transfer_review_missing",
    gettext_lazy("Record the pre-transfer review (with the open major nonconformities) first."),
)
def transfer_reviewed(application) -> bool:
    if application.kind != Application.Kind.TRANSFER:
        return True
    return bool(application.transfer_review_note.strip()) and (
        application.transfer_open_majors is not None
    )


@guard(
    "transfer_open_major",
    gettext_lazy(
        "A certificate with an open major nonconformity cannot be transferred: it is closed "
        "by the previous body first."
    ),
)
def transfer_without_open_major(application) -> bool:
    if application.kind != Application.Kind.TRANSFER:
        return True
    return not application.transfer_open_majors


@guard("evaluation_incomplete", gettext_lazy("The evaluation is not complete."))
def evaluation_complete(application):
    from audits.selectors import decision_blockers

    problems = decision_blockers(application)
    if not problems:
        return True
    code, message = problems[0]
    return DomainError(message, code=code)


class Application(FSMModelMixin, TimeStampedModel):
    """An enterprise's request to certify its traceability system under a scheme."""

    class State(models.TextChoices):
        DRAFT = "draft", gettext_lazy("Draft")  # being prepared, editable
        SUBMITTED = "submitted", gettext_lazy("Submitted")  # waiting for the body to review
        UNDER_REVIEW = (
            "under_review",
            gettext_lazy("Under review"),
        )  # the body checks completeness and competence
        REVISION_REQUESTED = (
            "revision_requested",
            gettext_lazy("Revision requested"),
        )  # back with the enterprise
        REJECTED = "rejected", gettext_lazy("Rejected")  # final: not accepted for certification
        IN_EVALUATION = (
            "in_evaluation",
            gettext_lazy("In evaluation"),
        )  # contract signed, audits running
        DECISION_PENDING = (
            "decision_pending",
            gettext_lazy("Decision pending"),
        )  # technically reviewed
        CERTIFIED = "certified", gettext_lazy("Certified")  # final: certificate issued
        REFUSED = "refused", gettext_lazy("Refused")  # final: certification refused
        # final: withdrawn by the enterprise ("Đã rút", not a revoked certificate's "Đã thu hồi")
        WITHDRAWN = "withdrawn", pgettext_lazy("application state", "Withdrawn")

    class Kind(models.TextChoices):
        INITIAL = "initial", gettext_lazy("Initial certification")
        RECERTIFICATION = "recertification", gettext_lazy("Recertification")
        SCOPE_EXTENSION = "scope_extension", gettext_lazy("Scope extension")
        SCOPE_REDUCTION = "scope_reduction", gettext_lazy("Scope reduction")
        TRANSFER = "transfer", gettext_lazy("Transfer from another body")

    # How each kind walks the states (docs/state-diagrams, written by write_state_diagrams).
    DIAGRAM_KIND_NOTES = {
        "initial": "stage 1 and stage 2 audits closed before submit_for_decision; grant issues "
        "a certificate",
        "recertification": "names an active or suspended certificate, or one expired within "
        "the scheme's restoration window (else refused: recertification_window_passed); a "
        "recertification audit; grant issues the next certificate, or restores the expired one "
        "from the decision's date",
        "scope_extension": "names an active or suspended certificate; a special audit; grant "
        "re-issues the certificate (new version) with the wider scope",
        "scope_reduction": "names an active or suspended certificate; submit needs a scope "
        "inside the certificate's and smaller (scope_not_reduced); no audit required; grant "
        "re-issues the certificate (new version) with the reduced scope, shown on the public "
        "page",
        "transfer": "names the previous body's certificate (number, validity) and carries its "
        "copy (document previous_certificate); accept needs the pre-transfer review recorded "
        "(transfer_review_missing) with no open major (transfer_open_major) and the previous "
        "certificate still valid; no audit required (a special audit may be planned); grant "
        "issues a certificate valid until the previous one's end, marked 'transferred from'",
    }

    number = models.CharField(gettext_lazy("number"), max_length=20, unique=True, editable=False)
    kind = models.CharField(
        gettext_lazy("type"), max_length=20, choices=Kind.choices, default=Kind.INITIAL
    )
    state = FSMField(
        gettext_lazy("state"),
        max_length=24,
        choices=State.choices,
        default=State.DRAFT,
        protected=True,
    )
    enterprise = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="applications",
        limit_choices_to={"kind": "enterprise"},
        verbose_name=gettext_lazy("enterprise"),
    )
    body = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="received_applications",
        limit_choices_to={"kind": "certification_body"},
        verbose_name=gettext_lazy("certification body"),
    )
    scheme = models.ForeignKey(
        Scheme,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=gettext_lazy("scheme"),
    )
    renews = models.ForeignKey(
        "certification.Certificate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name=gettext_lazy("certificate renewed or extended"),
    )
    # Scope: products [{"name", "gtin"}], sites [{"name", "address"}], stages [SupplyChainStage].
    products = models.JSONField(gettext_lazy("products"), default=list, blank=True)
    sites = models.JSONField(gettext_lazy("sites"), default=list, blank=True)
    stages = models.JSONField(gettext_lazy("supply-chain stages"), default=list, blank=True)
    sector_standard = models.CharField(
        gettext_lazy("sector traceability standard"),
        max_length=100,
        blank=True,
        help_text=gettext_lazy("E.g. TCVN 12827:2023."),
    )
    scope_note = models.TextField(
        gettext_lazy("scope description"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    # The scheme's rules for using the certificate and mark, accepted by the enterprise.
    mark_rules_accepted_at = models.DateTimeField(
        gettext_lazy("certificate and mark rules accepted at"), null=True, blank=True
    )
    mark_rules_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("certificate and mark rules accepted by"),
    )
    employees_in_scope = models.PositiveIntegerField(
        gettext_lazy("employees in scope"),
        null=True,
        blank=True,
        help_text=gettext_lazy("People whose work the traceability system covers (audit time)."),
    )
    contact_name = models.CharField(gettext_lazy("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(gettext_lazy("contact e-mail"), blank=True)
    contact_phone = models.CharField(gettext_lazy("contact phone"), max_length=30, blank=True)
    # Filed by the body's staff for an enterprise that applied on paper.
    filed_by_body = models.BooleanField(
        gettext_lazy("filed by the body on the enterprise's behalf"), default=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("created by"),
    )
    submitted_at = models.DateTimeField(gettext_lazy("submitted at"), null=True, blank=True)
    # Application review (accept).
    contract_reference = models.CharField(
        gettext_lazy("contract reference"), max_length=100, blank=True
    )
    scope_within_competence = models.BooleanField(
        gettext_lazy("scope within the body's competence"), default=False
    )
    # Technical review (submit_for_decision) and decision.
    technical_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("technical reviewer"),
    )
    technical_review_note = models.TextField(
        gettext_lazy("technical review note"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    decision_maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("assigned decision maker"),
    )
    # Transfer of a certificate from another body (IAF MD 2): the previous certificate, and
    # the pre-transfer review of the receiving body (open major nonconformities counted).
    previous_body_name = models.CharField(
        gettext_lazy("previous certification body"), max_length=300, blank=True
    )
    previous_certificate_number = models.CharField(
        gettext_lazy("previous certificate number"), max_length=100, blank=True
    )
    previous_certificate_valid_until = models.DateField(
        gettext_lazy("previous certificate valid until"), null=True, blank=True
    )
    transfer_review_note = models.TextField(
        gettext_lazy("pre-transfer review"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    transfer_open_majors = models.PositiveIntegerField(
        gettext_lazy("open major nonconformities found at the pre-transfer review"),
        null=True,
        blank=True,
    )
    transfer_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("pre-transfer review by"),
    )
    transfer_reviewed_at = models.DateTimeField(
        gettext_lazy("pre-transfer review at"), null=True, blank=True
    )

    class Meta:
        verbose_name = gettext_lazy("application")
        verbose_name_plural = gettext_lazy("applications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["body", "state"]),
            models.Index(fields=["enterprise", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["initial", "transfer"]) | Q(renews__isnull=False),
                name="application_renewal_names_its_certificate_v2",
                violation_error_message=gettext_lazy(
                    "A recertification or scope change names the certificate it renews."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.number or _("New application")

    # --- derived ------------------------------------------------------------------------

    def required_document_types(self) -> list[str]:
        """The documents the scheme requires, and for a transfer the previous certificate."""
        from certification.models.schemes import DocumentType

        required = list(self.scheme.required_document_types)
        if self.kind == self.Kind.TRANSFER:
            required.append(DocumentType.PREVIOUS_CERTIFICATE)
        return required

    def missing_document_types(self) -> list[str]:
        from documents.selectors import document_types_of

        present = document_types_of(self)
        return [t for t in self.required_document_types() if t not in present]

    @property
    def renews_a_certificate(self) -> bool:
        return self.kind not in (self.Kind.INITIAL, self.Kind.TRANSFER)

    # --- transitions (state only; services do the rest) ----------------------------------

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.SUBMITTED,
        conditions=[
            scope_filled,
            required_documents_attached,
            mark_rules_accepted,
            renewal_possible,
            scope_reduced,
            previous_certificate_named,
        ],
        permission=rules.applicant_or_body_on_behalf,
        custom={"label": gettext_lazy("Submit")},
    )
    def submit(self):
        pass

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.UNDER_REVIEW,
        permission=rules.body_staff,
        custom={"label": gettext_lazy("Start review")},
    )
    def start_review(self):
        pass

    @transition(
        field=state,
        source=State.UNDER_REVIEW,
        target=State.REVISION_REQUESTED,
        permission=rules.body_staff,
        custom={"label": gettext_lazy("Request revision"), "requires": ("comment",)},
    )
    def request_revision(self):
        pass

    @transition(
        field=state,
        source=State.REVISION_REQUESTED,
        target=State.SUBMITTED,
        conditions=[
            scope_filled,
            required_documents_attached,
            mark_rules_accepted,
            renewal_possible,
            scope_reduced,
            previous_certificate_named,
        ],
        permission=rules.applicant_or_body_on_behalf,
        custom={"label": gettext_lazy("Resubmit")},
    )
    def resubmit(self):
        pass

    @transition(
        field=state,
        source=State.UNDER_REVIEW,
        target=State.REJECTED,
        permission=rules.body_staff,
        custom={"label": gettext_lazy("Reject"), "requires": ("comment",)},
    )
    def reject(self):
        pass

    @transition(
        field=state,
        source=State.UNDER_REVIEW,
        target=State.IN_EVALUATION,
        conditions=[
            body_registered_for_scheme,
            no_body_conflict,
            renewal_possible,
            previous_certificate_valid,
            transfer_reviewed,
            transfer_without_open_major,
        ],
        permission=rules.body_staff,
        custom={
            "label": gettext_lazy("Accept"),
            "requires": ("contract_reference", "scope_within_competence"),
        },
    )
    def accept(self):
        pass

    @transition(
        field=state,
        source=State.IN_EVALUATION,
        target=State.DECISION_PENDING,
        conditions=[renewal_possible, previous_certificate_valid, evaluation_complete],
        permission=rules.body_staff_as_technical_reviewer,
        custom={
            "label": gettext_lazy("Submit for decision"),
            "requires": ("technical_review_note",),
        },
    )
    def submit_for_decision(self):
        pass

    @transition(
        field=state,
        source=State.DECISION_PENDING,
        target=State.IN_EVALUATION,
        permission=rules.impartial_decision_maker,
        custom={"label": gettext_lazy("Return to evaluation"), "requires": ("comment",)},
    )
    def return_to_evaluation(self):
        pass

    @transition(
        field=state,
        source=State.DECISION_PENDING,
        target=State.CERTIFIED,
        conditions=[renewal_possible],
        permission=rules.impartial_decision_maker,
        custom={
            "label": gettext_lazy("Grant certification"),
            "diagram_note": "issues, re-issues, transfers or restores the certificate; "
            "numbered decision",
        },
    )
    def grant(self):
        pass

    @transition(
        field=state,
        source=State.DECISION_PENDING,
        target=State.REFUSED,
        permission=rules.impartial_decision_maker,
        custom={
            "label": gettext_lazy("Refuse certification"),
            "requires": ("comment",),
            "diagram_note": "numbered decision",
        },
    )
    def refuse(self):
        pass

    @transition(
        field=state,
        source=[
            State.DRAFT,
            State.SUBMITTED,
            State.UNDER_REVIEW,
            State.REVISION_REQUESTED,
            State.IN_EVALUATION,
        ],
        target=State.WITHDRAWN,
        permission=rules.enterprise_of_applicant,
        custom={"label": gettext_lazy("Withdraw the application")},
    )
    def withdraw(self):
        pass


class Decision(TimeStampedModel):
    """The certification decision on an application (grant or refuse)."""

    class Outcome(models.TextChoices):
        GRANTED = "granted", gettext_lazy("Certification granted")
        REFUSED = "refused", gettext_lazy("Certification refused")

    application = models.OneToOneField(
        Application,
        on_delete=models.PROTECT,
        related_name="decision",
        verbose_name=gettext_lazy("application"),
    )
    decision_maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("decision maker"),
    )
    outcome = models.CharField(gettext_lazy("outcome"), max_length=10, choices=Outcome.choices)
    reasons = models.TextField(gettext_lazy("reasons"), blank=True, max_length=TEXT_MAX_LENGTH)
    technical_review_note = models.TextField(
        gettext_lazy("technical review note"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    decided_on = models.DateField(gettext_lazy("decided on"))
    # `<n>/<YYYY>/QĐ-<body code>`: gap-free per body and year, assigned when the decision is made
    # (certification.services.decisions.decision_number).
    number = models.CharField(gettext_lazy("decision number"), max_length=40, blank=True)
    # Copies made when deciding: a later change of title or scheme never rewrites a decision.
    signer_name = models.CharField(gettext_lazy("signed by"), max_length=200, blank=True)
    signer_title = models.CharField(gettext_lazy("signer's title"), max_length=100, blank=True)
    legal_bases = models.JSONField(gettext_lazy("legal bases"), default=list, blank=True)

    class Meta:
        verbose_name = gettext_lazy("certification decision")
        verbose_name_plural = gettext_lazy("certification decisions")
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=~Q(number=""),
                name="decision_number_unique",
                violation_error_message=gettext_lazy("A decision with this number exists."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_outcome_display()}"


def cooling_off_start(day: datetime.date, years: int) -> datetime.date:
    """Ties that ended after this day still bar a person or body on `day`."""
    return day - relativedelta(years=years)


class ConflictDeclarationQuerySet(models.QuerySet):
    def in_force(
        self, day: datetime.date | None = None, *, cooling_off_years: int = 0
    ) -> "ConflictDeclarationQuerySet":
        """Declarations that still bar the person on `day` (today by default): the tie has
        not ended, or ended less than `cooling_off_years` before `day`."""
        day = day or today()
        return self.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=cooling_off_start(day, cooling_off_years))
        )

    def barring(self, *, enterprise_id: int, scheme, day: datetime.date | None = None):
        """The declarations with `enterprise_id` that bar a person under `scheme`'s cooling-off."""
        return self.filter(enterprise_id=enterprise_id).in_force(
            day, cooling_off_years=scheme.cooling_off_years
        )


class ConflictDeclaration(TimeStampedModel):
    """A person's declared conflict of interest with a client (consultancy, employment,
    financial or family ties). Such a person is never assigned to decide the client's files."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="conflicts",
        verbose_name=gettext_lazy("person"),
    )
    enterprise = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="conflicts",
        verbose_name=gettext_lazy("client"),
    )
    description = models.TextField(
        gettext_lazy("nature of the conflict"), max_length=TEXT_MAX_LENGTH
    )
    ended_on = models.DateField(
        gettext_lazy("relation ended on"),
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "The person is barred until the scheme's cooling-off period after this day has "
            "passed (2 years by default)."
        ),
    )

    objects = ConflictDeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("declared conflict of interest")
        verbose_name_plural = gettext_lazy("declared conflicts of interest")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.enterprise}"

    def bar_reason(self, scheme: Scheme, name: str | None = None) -> str:
        """Why this declaration bars its person from the client's files under `scheme`."""
        name = name or self.user.get_full_name()
        if self.ended_on is None:
            return _("%(name)s has declared a conflict of interest with this client: %(what)s.") % {
                "name": name,
                "what": self.description,
            }
        until = self.ended_on + relativedelta(years=scheme.cooling_off_years)
        return _(
            "%(name)s had a tie with this client (%(what)s) that ended on %(ended)s: under the "
            "scheme's %(years)d-year cooling-off they may not act for it before %(until)s."
        ) % {
            "name": name,
            "what": self.description,
            "ended": date_format(self.ended_on, "SHORT_DATE_FORMAT"),
            "years": scheme.cooling_off_years,
            "until": date_format(until, "SHORT_DATE_FORMAT"),
        }
