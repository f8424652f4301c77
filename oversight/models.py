"""The regulator's own data: the province's plan (targets, activities, high-risk product
groups) and the records sent to the national traceability portal."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from certification.models import Certificate, Organisation, Province
from core.limits import TEXT_MAX_LENGTH
from core.models import TimeStampedModel

PLAN_YEAR_FROM = 2026
PLAN_YEAR_TO = 2030

# A plan, its activities and groups belong to a province: the whole-country row (a national
# regulator's jurisdiction) is never among the choices.
PROVINCES_ONLY = {"is_national": False}


class PlanTarget(TimeStampedModel):
    """One indicator of the province's plan for Đề án 100 (Kế hoạch thực hiện Đề án 100 giai
    đoạn 2026-2030) with its target.

    Rows without a jurisdiction are the defaults (standards.md, seeded by a data migration and
    editable); a row with a jurisdiction overrides the default of the same code there.
    `computed` indicators are counted by the system (certificates, high-risk product groups);
    the others add up the quantities of the activities recorded against them.
    """

    jurisdiction = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        limit_choices_to=PROVINCES_ONLY,
        null=True,
        blank=True,
        related_name="plan_targets",
        verbose_name=_("jurisdiction"),
        help_text=_("Empty: the default target of every province."),
    )
    code = models.SlugField(_("code"), max_length=40)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label_vi = models.CharField(_("indicator (Vietnamese)"), max_length=255)
    label_en = models.CharField(_("indicator (English)"), max_length=255)
    target_value = models.DecimalField(_("target"), max_digits=9, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=40)
    computed = models.BooleanField(
        _("computed by the system"),
        default=False,
        help_text=_("Computed from certificates or registers; otherwise from recorded activities."),
    )
    year_from = models.PositiveSmallIntegerField(_("from year"), default=PLAN_YEAR_FROM)
    year_to = models.PositiveSmallIntegerField(_("to year"), default=PLAN_YEAR_TO)

    class Meta:
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")
        ordering = ["position", "code", "jurisdiction_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "code"],
                condition=Q(jurisdiction__isnull=False),
                name="plan_target_one_per_jurisdiction_code",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(jurisdiction__isnull=True),
                name="plan_target_one_default_per_code",
            ),
            models.CheckConstraint(
                condition=Q(year_to__gte=models.F("year_from")),
                name="plan_target_years_in_order",
            ),
            models.CheckConstraint(
                condition=Q(target_value__gte=0), name="plan_target_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if (get_language() or "vi").startswith("en") else self.label_vi


class Ministry(models.TextChoices):
    """Whose list of high-risk products (Law 78/2025: each ministry lists the products of its
    sector) a group comes from."""

    AGRICULTURE_ENVIRONMENT = "mae", _("Ministry of Agriculture and Environment")
    HEALTH = "moh", _("Ministry of Health")
    INDUSTRY_TRADE = "moit", _("Ministry of Industry and Trade")
    OTHER = "other", _("Other ministry")


class TaskGroup(models.TextChoices):
    """The 7 task groups of the province's plan, led by the Sở KH&CN. An activity may belong to
    one of them without counting towards a numeric target."""

    COMMUNICATION = "communication", _("Communication and awareness")
    TRAINING = "training", _("Training of officials and enterprises")
    RULES = "rules", _("Rules, policies and guidance")
    DATABASE = "database", _("Provincial traceability database and the national portal")
    ENTERPRISE_SUPPORT = "enterprise_support", _("Support for barcode use and traceability")
    SCIENCE_BODIES = "science_bodies", _("Science and technology tasks; support for bodies")
    COOPERATION = "cooperation", _("International cooperation, inspection and supervision")


class HighRiskProductGroup(TimeStampedModel):
    """A group of high-risk products (Law 78/2025: traceability mandatory) in the province, on
    one ministry's list. Coverage is counted per product (HighRiskProduct); the group's own
    certificates and enterprises are kept as recorded before products were listed."""

    jurisdiction = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        limit_choices_to=PROVINCES_ONLY,
        related_name="high_risk_groups",
        verbose_name=_("jurisdiction"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=TEXT_MAX_LENGTH)
    certificates = models.ManyToManyField(
        Certificate,
        blank=True,
        related_name="high_risk_groups",
        verbose_name=_("covering certificates"),
    )
    enterprises = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="high_risk_groups",
        limit_choices_to={"kind": "enterprise"},
        verbose_name=_("enterprises tracing it"),
    )
    ministry = models.CharField(
        _("ministry's list"), max_length=8, choices=Ministry.choices, default=Ministry.OTHER
    )

    class Meta:
        verbose_name = _("high-risk product group")
        verbose_name_plural = _("high-risk product groups")
        ordering = ["jurisdiction_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"], name="high_risk_group_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class HighRiskProduct(TimeStampedModel):
    """A product on the province's list of high-risk products, in a group (a ministry's list).
    It is covered when one of its certificates is valid (active, within its dates), or an
    enterprise is recorded as tracing it."""

    group = models.ForeignKey(
        HighRiskProductGroup,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("group"),
    )
    name = models.CharField(_("name"), max_length=200)
    certificates = models.ManyToManyField(
        Certificate,
        blank=True,
        related_name="high_risk_products",
        verbose_name=_("covering certificates"),
    )
    enterprises = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="high_risk_products",
        limit_choices_to={"kind": "enterprise"},
        verbose_name=_("enterprises tracing it"),
    )

    class Meta:
        verbose_name = _("high-risk product")
        verbose_name_plural = _("high-risk products")
        ordering = ["group_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="high_risk_product_unique")
        ]

    def __str__(self) -> str:
        return self.name


class HighRiskCoverageSnapshot(TimeStampedModel):
    """The high-risk coverage of a province frozen for a year (taken at the year's end, or on
    demand for the year so far): products listed and covered, per group."""

    jurisdiction = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        limit_choices_to=PROVINCES_ONLY,
        related_name="high_risk_snapshots",
        verbose_name=_("jurisdiction"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    taken_on = models.DateField(_("taken on"))
    products_total = models.PositiveIntegerField(_("products listed"))
    products_covered = models.PositiveIntegerField(_("products covered"))
    # [{"group", "ministry", "total", "covered"}], in the order of the groups.
    by_group = models.JSONField(_("per group"), default=list)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
    )

    class Meta:
        verbose_name = _("high-risk coverage snapshot")
        verbose_name_plural = _("high-risk coverage snapshots")
        ordering = ["jurisdiction_id", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year"], name="high_risk_snapshot_one_per_year"
            ),
            models.CheckConstraint(
                condition=Q(products_covered__lte=models.F("products_total")),
                name="high_risk_snapshot_covered_within_total",
            ),
        ]

    @property
    def percent(self) -> float | None:
        if not self.products_total:
            return None
        return round(self.products_covered / self.products_total * 100, 1)


class OutsideCertification(TimeStampedModel):
    """A certification of an enterprise of the province by a body outside the system, recorded
    by the regulator so that "enterprises certified" counts it."""

    jurisdiction = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        limit_choices_to=PROVINCES_ONLY,
        related_name="outside_certifications",
        verbose_name=_("jurisdiction"),
    )
    enterprise_name = models.CharField(_("enterprise"), max_length=255)
    tax_code = models.CharField(_("tax code"), max_length=14)
    certificate_number = models.CharField(_("certificate number"), max_length=100)
    issuer = models.CharField(_("issued by"), max_length=255)
    standard = models.CharField(_("standard"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    withdrawn_on = models.DateField(
        _("withdrawn on"),
        null=True,
        blank=True,
        help_text=_("When the issuer withdrew it (it no longer counts from that day)."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("certification by an outside body")
        verbose_name_plural = _("certifications by outside bodies")
        ordering = ["jurisdiction_id", "enterprise_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "certificate_number"], name="outside_certification_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("valid_from")),
                name="outside_certification_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_number} · {self.issuer}"


class PlanActivity(TimeStampedModel):
    """Something done for the plan that the system cannot count itself (a training, a class,
    an article, a supported model…), with its quantity and evidence. It counts towards an
    indicator, or belongs to one of the plan's task groups without a numeric target."""

    jurisdiction = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        limit_choices_to=PROVINCES_ONLY,
        related_name="plan_activities",
        verbose_name=_("jurisdiction"),
    )
    target = models.ForeignKey(
        PlanTarget,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("indicator"),
    )
    task_group = models.CharField(
        _("task group"), max_length=20, choices=TaskGroup.choices, blank=True
    )
    date = models.DateField(_("date"))
    description = models.TextField(_("description"), max_length=TEXT_MAX_LENGTH)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    # Stored like documents' files (validated bytes, a key nobody can guess); downloaded only
    # through the permission-checked view.
    evidence = models.FileField(_("evidence"), max_length=300, blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=255, blank=True)
    evidence_sha256 = models.CharField(_("evidence SHA-256"), max_length=64, blank=True)
    evidence_mime_type = models.CharField(_("evidence content type"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("plan activity")
        verbose_name_plural = _("plan activities")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["jurisdiction", "date"])]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="plan_activity_quantity_1"),
            models.CheckConstraint(
                condition=Q(target__isnull=False) | ~Q(task_group=""),
                name="plan_activity_has_indicator_or_task_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} · {self.description[:60]}"


class PortalRecord(TimeStampedModel):
    """One state of one certificate version as sent to the national traceability portal.

    The payload is frozen when the record is queued; `idempotency_key` identifies it (sent as
    the `Idempotency-Key` header), so a resend or a retried task carries the same key and the
    portal can drop duplicates."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")  # queued, not yet accepted (or no portal configured)
        SENT = "sent", _("Sent")  # the portal answered 2xx
        FAILED = "failed", _("Failed")  # refused (4xx) or retries exhausted; see last_error

    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.PROTECT,
        related_name="portal_records",
        verbose_name=_("certificate"),
    )
    certificate_version = models.PositiveSmallIntegerField(_("certificate version"))
    certificate_state = models.CharField(_("certificate state"), max_length=12)
    schema_version = models.CharField(_("schema version"), max_length=10)
    payload = models.JSONField(_("payload"))
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    last_status_code = models.PositiveSmallIntegerField(
        _("last HTTP status"), null=True, blank=True
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("national-portal record")
        verbose_name_plural = _("national-portal records")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        number = self.payload.get("certificate", {}).get("number", self.certificate_id)
        return f"{number} · {self.certificate_state}"
