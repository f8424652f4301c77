"""Audits (cuộc đánh giá), their teams and the team's impartiality declarations."""

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_fsm import FSMField, FSMModelMixin, transition

from audits import rules
from audits.links import count_of, optional_function
from certification import rules as certification_rules
from certification.models import Application, Certificate, Organisation, Scheme
from core.clock import today
from core.exceptions import DomainError
from core.limits import TEXT_MAX_LENGTH
from core.models import TimeStampedModel
from core.workflow import guard

# Audits whose report must include a trace test (workflow.md, Trace test).
TRACE_TEST_KINDS = ("stage2", "surveillance", "recertification")


# --- Guards -------------------------------------------------------------------------------


@guard(
    "declarations_missing",
    gettext_lazy("Every team member must first sign an impartiality declaration."),
)
def declarations_signed(audit):
    members = list(audit.team.select_related("user"))
    clean = set(
        audit.declarations.filter(
            no_consultancy=True, no_employment=True, no_financial_interest=True, no_family_ties=True
        ).values_list("user_id", flat=True)
    )
    missing = [m.user.get_full_name() for m in members if m.user_id not in clean]
    if not missing:
        return True
    return DomainError(
        _(
            "These team members have not signed an impartiality declaration free of conflicts: "
            "%(names)s."
        )
        % {"names": ", ".join(missing)},
        code="declarations_missing",
    )


@guard("lead_missing", gettext_lazy("The team needs exactly one lead assessor."))
def lead_qualified(audit):
    """Exactly one lead, and every member competent for their role today (competence
    matrix: function, scheme and technical area, validity, witnessed audit)."""
    from audits.competence import team_member_refusal, team_refusals

    leads = list(audit.team.filter(role=AuditTeamMember.Role.LEAD).select_related("user"))
    if len(leads) != 1:
        return False
    day = today()
    lead_reason = team_member_refusal(audit, leads[0].user, AuditTeamMember.Role.LEAD, day)
    if lead_reason:
        return DomainError(lead_reason, code="lead_not_qualified")
    reasons = team_refusals(audit, day)
    if reasons:
        return DomainError(" ".join(reasons), code="member_not_qualified")
    return True


@guard("objection_open", gettext_lazy("The enterprise's objection to a team member is open."))
def no_open_objection(audit):
    open_objections = list(
        audit.objections.filter(state="open").select_related("member").order_by("pk")
    )
    if not open_objections:
        return True
    return DomainError(
        _(
            "The enterprise objected to %(names)s: an officer must resolve the objection "
            "before the audit starts."
        )
        % {"names": ", ".join(o.member.get_full_name() for o in open_objections)},
        code="objection_open",
    )


@guard("stage1_not_closed", gettext_lazy("The stage 1 audit of this application is not closed."))
def stage1_closed_recently(audit):
    if audit.kind != Audit.Kind.STAGE2:
        return True
    stage1 = (
        Audit.objects.filter(
            application_id=audit.application_id,
            kind=Audit.Kind.STAGE1,
            state=Audit.State.CLOSED,
        )
        .order_by("-actual_end", "-pk")
        .first()
    )
    if stage1 is None:
        return False
    months = audit.scheme.stage2_within_months
    if stage1.actual_end + relativedelta(months=months) < today():
        return DomainError(
            _(
                "The stage 1 audit ended on %(date)s, more than %(n)d months ago: a new stage 1 "
                "audit is needed first."
            )
            % {"date": date_format(stage1.actual_end, "SHORT_DATE_FORMAT"), "n": months},
            code="stage1_too_old",
        )
    return True


@guard("checklist_incomplete", gettext_lazy("Some checklist items are not answered."))
def checklist_complete(audit):
    unanswered_count = optional_function("checklists.selectors", "unanswered_count")
    remaining = count_of(unanswered_count(audit)) if unanswered_count else 0
    if not remaining:
        return True
    return DomainError(
        ngettext(
            "%(n)d checklist item is not answered yet (a “not applicable” answer needs a note).",
            "%(n)d checklist items are not answered yet (a “not applicable” answer needs a note).",
            remaining,
        )
        % {"n": remaining},
        code="checklist_incomplete",
    )


@guard("finding_missing", gettext_lazy("Some minor or major answers have no finding."))
def answers_have_findings(audit):
    answers_without_finding = optional_function("checklists.selectors", "answers_without_finding")
    remaining = count_of(answers_without_finding(audit)) if answers_without_finding else 0
    if not remaining:
        return True
    return DomainError(
        ngettext(
            "%(n)d minor or major checklist answer has no finding yet.",
            "%(n)d minor or major checklist answers have no finding yet.",
            remaining,
        )
        % {"n": remaining},
        code="finding_missing",
    )


@guard(
    "sync_pending",
    gettext_lazy("Some answers or photos still wait to sync on a device, or are in conflict."),
)
def sync_settled(audit):
    sync_blockers = optional_function("checklists.sync", "sync_blockers")
    waiting, conflicts = sync_blockers(audit) if sync_blockers else (0, 0)
    if waiting:
        return DomainError(
            ngettext(
                "%(n)d change of this audit still waits to sync on a team member's device: "
                "sync it (“Đồng bộ ngay”) before submitting the report.",
                "%(n)d changes of this audit still wait to sync on team members' devices: "
                "sync them (“Đồng bộ ngay”) before submitting the report.",
                waiting,
            )
            % {"n": waiting},
            code="sync_pending",
        )
    if conflicts:
        return DomainError(
            ngettext(
                "%(n)d checklist answer is in conflict: the lead chooses which answer stands.",
                "%(n)d checklist answers are in conflict: the lead chooses which answers stand.",
                conflicts,
            )
            % {"n": conflicts},
            code="sync_pending",
        )
    return True


@guard("trace_test_missing", gettext_lazy("Record the trace test of this audit first."))
def trace_test_recorded(audit) -> bool:
    return audit.kind not in TRACE_TEST_KINDS or audit.trace_tests.exists()


# --- Models -------------------------------------------------------------------------------


class Audit(FSMModelMixin, TimeStampedModel):
    """An audit of an application (stage 1, stage 2, recertification) or of a certificate
    (surveillance); a special audit may be either."""

    class State(models.TextChoices):
        PLANNED = "planned", gettext_lazy("Planned")  # team being formed, declarations signed
        IN_PROGRESS = "in_progress", gettext_lazy("In progress")  # on site / remote, checklist
        REPORT_SUBMITTED = (
            "report_submitted",
            gettext_lazy("Report submitted"),
        )  # the lead's report awaits the body's approval
        CLOSED = "closed", gettext_lazy("Closed")  # report approved; final
        CANCELLED = "cancelled", gettext_lazy("Cancelled")  # never took place; final

    class Kind(models.TextChoices):
        STAGE1 = "stage1", gettext_lazy("Stage 1 (documents and readiness)")
        STAGE2 = "stage2", gettext_lazy("Stage 2 (implementation)")
        SURVEILLANCE = "surveillance", gettext_lazy("Surveillance")
        RECERTIFICATION = "recertification", gettext_lazy("Recertification")
        SPECIAL = "special", gettext_lazy("Special (short notice, complaint, scope)")

    class Mode(models.TextChoices):
        ON_SITE = "on_site", gettext_lazy("On site")
        REMOTE = "remote", gettext_lazy("Remote")

    # How each kind walks the states (docs/state-diagrams, written by write_state_diagrams).
    DIAGRAM_KIND_NOTES = {
        "stage1": "of an initial application",
        "stage2": "of an initial application, after a closed stage 1; trace test required",
        "surveillance": "of a certificate; checks the audit programme's items (the core and a "
        "rotating third of the rest) and a rotating sample of sites; trace test required; "
        "refused in year 3 (recertification_due); closing schedules the next one",
        "recertification": "of a recertification application; every item; trace test required",
        "special": "of a certificate (after a complaint or a change: special_audit_open, with "
        "its reason, the short-notice flag and the complaint) or of a scope extension, "
        "reduction or transfer application; every item of the checklist",
    }

    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audits",
        verbose_name=gettext_lazy("application"),
    )
    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audits",
        verbose_name=gettext_lazy("certificate"),
    )
    kind = models.CharField(gettext_lazy("kind"), max_length=16, choices=Kind.choices)
    mode = models.CharField(
        gettext_lazy("mode"), max_length=8, choices=Mode.choices, default=Mode.ON_SITE
    )
    state = FSMField(
        gettext_lazy("state"),
        max_length=20,
        choices=State.choices,
        default=State.PLANNED,
        protected=True,
    )
    planned_start = models.DateField(gettext_lazy("planned start"))
    planned_end = models.DateField(gettext_lazy("planned end"))
    actual_start = models.DateField(gettext_lazy("started on"), null=True, blank=True)
    actual_end = models.DateField(gettext_lazy("ended on"), null=True, blank=True)
    report_summary = models.TextField(
        gettext_lazy("report summary"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    conclusion = models.TextField(
        gettext_lazy("conclusion and recommendation"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("planned by"),
    )

    # Audit time and sample of sites, computed when planned (audits.sampling).
    planned_man_days = models.DecimalField(
        gettext_lazy("planned man-days"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    sampled_sites = models.JSONField(
        gettext_lazy("sites audited (sample)"), default=list, blank=True
    )
    # The table's man-days before any reduction, and a reduction the body justifies
    # (17021-1 §9.1.4): planned_man_days = computed_man_days - man_day_reduction.
    computed_man_days = models.DecimalField(
        gettext_lazy("man-days from the table"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
    )
    man_day_reduction = models.DecimalField(
        gettext_lazy("man-day reduction"), max_digits=5, decimal_places=1, default=0
    )
    man_day_reduction_reason = models.TextField(
        gettext_lazy("reason for the reduction"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    # The 3-year audit programme (checklists.programme): the item codes a surveillance checks
    # (its core and a rotating third of the rest). Empty: every item of its kind.
    programme_items = models.JSONField(
        gettext_lazy("items of the audit programme"), default=list, blank=True
    )
    # Special audits (17021-1 §9.6.4): short notice, why, and the complaint behind it if any.
    short_notice = models.BooleanField(gettext_lazy("short notice"), default=False)
    special_reason = models.TextField(
        gettext_lazy("reason for the special audit"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    complaint = models.ForeignKey(
        "certification.Complaint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="special_audits",
        verbose_name=gettext_lazy("complaint"),
    )

    class Meta:
        verbose_name = gettext_lazy("audit")
        verbose_name_plural = gettext_lazy("audits")
        ordering = ["-planned_start", "-id"]
        default_permissions = ("add", "change", "delete", "view")
        indexes = [
            models.Index(fields=["kind", "state"]),
            # Lists, newest first (walked backwards), and the homes' work by state.
            models.Index(fields=["planned_start", "id"], name="audit_planned_start_id"),
            models.Index(fields=["state", "planned_start"], name="audit_state_planned_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(application__isnull=False, certificate__isnull=True)
                | Q(application__isnull=True, certificate__isnull=False),
                name="audit_of_application_or_certificate",
                violation_error_message=gettext_lazy(
                    "An audit belongs to an application or to a certificate, not both."
                ),
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=["stage1", "stage2", "recertification"], certificate__isnull=True
                )
                | Q(kind="surveillance", application__isnull=True)
                | Q(kind="special"),
                name="audit_kind_fits_its_object",
                violation_error_message=gettext_lazy(
                    "Stage 1, stage 2 and recertification audits belong to an application; "
                    "surveillance audits to a certificate."
                ),
            ),
            models.CheckConstraint(
                condition=Q(man_day_reduction=0) | ~Q(man_day_reduction_reason=""),
                name="audit_man_day_reduction_justified",
                violation_error_message=gettext_lazy("A reduction of audit time needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="audit_planned_end_not_before_start",
                violation_error_message=gettext_lazy("The audit cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["application", "kind"],
                condition=Q(application__isnull=False) & ~Q(state__in=["closed", "cancelled"]),
                name="audit_one_open_per_application_kind",
                violation_error_message=gettext_lazy(
                    "An audit of this kind is already open for this application."
                ),
            ),
            models.UniqueConstraint(
                fields=["certificate", "kind"],
                condition=Q(certificate__isnull=False) & ~Q(state__in=["closed", "cancelled"]),
                name="audit_one_open_per_certificate_kind",
                violation_error_message=gettext_lazy(
                    "An audit of this kind is already open for this certificate."
                ),
            ),
        ]

    def __str__(self) -> str:
        subject = self.application.number if self.application_id else self.certificate.number
        return f"{self.get_kind_display()} · {subject}"

    # --- derived ------------------------------------------------------------------------

    @property
    def subject(self) -> Application | Certificate:
        return self.application if self.application_id else self.certificate

    @property
    def client(self) -> Organisation:
        """The audited enterprise."""
        return self.subject.enterprise

    @property
    def body(self) -> Organisation:
        return self.subject.body

    @property
    def scheme(self) -> Scheme:
        return self.subject.scheme

    @property
    def end_or_today(self):
        return self.actual_end or today()

    # --- transitions (state and own dates only; services do the rest) --------------------

    @transition(
        field=state,
        source=State.PLANNED,
        target=State.IN_PROGRESS,
        conditions=[
            declarations_signed,
            lead_qualified,
            no_open_objection,
            stage1_closed_recently,
        ],
        permission=rules.lead_of_audit,
        custom={"label": gettext_lazy("Start the audit")},
    )
    def start(self):
        self.actual_start = today()

    @transition(
        field=state,
        source=State.IN_PROGRESS,
        target=State.REPORT_SUBMITTED,
        conditions=[checklist_complete, answers_have_findings, sync_settled, trace_test_recorded],
        permission=rules.lead_of_audit,
        custom={
            "label": gettext_lazy("Submit the report"),
            "requires": ("report_summary", "conclusion"),
        },
    )
    def submit_report(self):
        self.actual_end = today()

    @transition(
        field=state,
        source=State.REPORT_SUBMITTED,
        target=State.CLOSED,
        permission=rules.body_staff_not_on_team,
        custom={"label": gettext_lazy("Approve the report")},
    )
    def approve_report(self):
        pass

    @transition(
        field=state,
        source=State.REPORT_SUBMITTED,
        target=State.IN_PROGRESS,
        permission=certification_rules.body_staff,
        custom={"label": gettext_lazy("Return the report"), "requires": ("comment",)},
    )
    def return_report(self):
        self.actual_end = None

    @transition(
        field=state,
        source=State.PLANNED,
        target=State.CANCELLED,
        permission=certification_rules.body_staff,
        custom={"label": gettext_lazy("Cancel the audit"), "requires": ("comment",)},
    )
    def cancel(self):
        pass


class AuditTeamMember(TimeStampedModel):
    """A person on an audit team. Assigned and removed only while the audit is planned."""

    class Role(models.TextChoices):
        LEAD = "lead", gettext_lazy("Lead assessor")
        MEMBER = "member", gettext_lazy("Assessor")
        EXPERT = "expert", gettext_lazy("Technical expert")
        OBSERVER = "observer", gettext_lazy("Observer")  # watches; takes no part in the work

    audit = models.ForeignKey(
        Audit, on_delete=models.CASCADE, related_name="team", verbose_name=gettext_lazy("audit")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="audit_assignments",
        verbose_name=gettext_lazy("person"),
    )
    role = models.CharField(gettext_lazy("role"), max_length=10, choices=Role.choices)

    class Meta:
        verbose_name = gettext_lazy("audit team member")
        verbose_name_plural = gettext_lazy("audit team members")
        ordering = ["audit_id", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "user"],
                name="audit_team_member_once",
                violation_error_message=gettext_lazy("This person is already on the team."),
            ),
            models.UniqueConstraint(
                fields=["audit"],
                condition=Q(role="lead"),
                name="audit_team_one_lead",
                violation_error_message=gettext_lazy("The team already has a lead assessor."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class ImpartialityDeclaration(TimeStampedModel):
    """A team member's signed statement about their ties to the audited enterprise (the last
    two years). It is clean when every tie is denied; only then may the audit start."""

    audit = models.ForeignKey(
        Audit,
        on_delete=models.CASCADE,
        related_name="declarations",
        verbose_name=gettext_lazy("audit"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="impartiality_declarations",
        verbose_name=gettext_lazy("person"),
    )
    no_consultancy = models.BooleanField(
        gettext_lazy("no consultancy for the enterprise in the last two years"), default=False
    )
    no_employment = models.BooleanField(
        gettext_lazy("no employment by the enterprise in the last two years"), default=False
    )
    no_financial_interest = models.BooleanField(
        gettext_lazy("no financial interest in the enterprise"), default=False
    )
    no_family_ties = models.BooleanField(
        gettext_lazy("no family ties with its owners or managers"), default=False
    )
    statement = models.TextField(gettext_lazy("statement"), blank=True, max_length=TEXT_MAX_LENGTH)
    signed_at = models.DateTimeField(gettext_lazy("signed at"))

    class Meta:
        verbose_name = gettext_lazy("impartiality declaration")
        verbose_name_plural = gettext_lazy("impartiality declarations")
        ordering = ["audit_id", "signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "user"],
                name="impartiality_declaration_once_per_audit",
                violation_error_message=gettext_lazy(
                    "This person has already signed a declaration for this audit."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.audit_id}"

    @property
    def is_clean(self) -> bool:
        return all(
            (
                self.no_consultancy,
                self.no_employment,
                self.no_financial_interest,
                self.no_family_ties,
            )
        )
