"""Organisations, jurisdictions and who holds which role where."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certification.validators import validate_body_code, validate_tax_code
from core.models import TimeStampedModel


class Role(models.TextChoices):
    """Codes are part of the API (../shared/spec/workflow.md, Roles)."""

    # Creates and edits its organisation's applications, answers findings, lodges appeals.
    ENTERPRISE = "enterprise", _("Enterprise user")
    # Reviews applications addressed to the body, plans audits, manages certificates.
    CB_STAFF = "cb_staff", _("Certification-body officer")
    # Works the audits whose team they are on.
    ASSESSOR = "assessor", _("Assessor")
    # Grants or refuses certification, decides appeals.
    DECISION_MAKER = "decision_maker", _("Certification decision maker")
    # Reads everything in the jurisdiction; decides body registrations.
    REGULATOR = "regulator", _("Regulator")


# The object permission each role receives on its organisation (or, for regulators, on
# the province). Granted and revoked only by the membership services.
ROLE_PERMISSIONS: dict[str, str] = {
    Role.ENTERPRISE: "act_for_enterprise",
    Role.CB_STAFF: "work_as_cb_staff",
    Role.ASSESSOR: "work_as_assessor",
    Role.DECISION_MAKER: "decide_certification",
    Role.REGULATOR: "oversee_jurisdiction",
}


class Province(models.Model):
    """A province: where organisations are and what a regulator oversees. One row marked
    national stands for the whole country (the national authority for standards, metrology
    and quality): a regulator holding it oversees every province and decides body
    registrations. No organisation is located in it."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    authority_name = models.CharField(
        _("regulating authority"),
        max_length=200,
        blank=True,
        help_text=_("E.g. Sở Khoa học và Công nghệ tỉnh Gia Lai."),
    )
    require_two_factor = models.BooleanField(
        _("two-factor sign-in required"),
        default=False,
        help_text=_("The province's regulators must sign in with a one-time code."),
    )
    is_national = models.BooleanField(
        _("whole country"),
        default=False,
        help_text=_(
            "The national jurisdiction: its regulators oversee every province and decide body "
            "registrations."
        ),
    )

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["name"]
        permissions = [("oversee_jurisdiction", _("Oversee certification in the province"))]
        constraints = [
            models.UniqueConstraint(
                fields=["is_national"],
                condition=Q(is_national=True),
                name="province_one_national_jurisdiction",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Sector(models.TextChoices):
    CROP = "crop", _("Crop production")
    LIVESTOCK = "livestock", _("Livestock and poultry")
    AQUACULTURE = "aquaculture", _("Fisheries and aquaculture")
    FOOD_PROCESSING = "food_processing", _("Food processing and packaged food")
    FORESTRY = "forestry", _("Forestry and wood products")
    TRADE = "trade", _("Trade and logistics")
    OTHER = "other", _("Other")


class Organisation(TimeStampedModel):
    """An enterprise (applicant) or a certification body."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        CERTIFICATION_BODY = "certification_body", _("Certification body")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    tax_code = models.CharField(
        _("tax code"),
        max_length=14,
        validators=[validate_tax_code],
        help_text=_("Mã số thuế: 10 digits, or 10 digits-3 digits for a branch."),
    )
    address = models.CharField(_("address"), max_length=255)
    commune = models.CharField(
        _("commune / ward"), max_length=100, blank=True, help_text=_("Xã / phường.")
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("province"),
        # The whole-country row is a regulator's jurisdiction, never an address.
        limit_choices_to={"is_national": False},
    )
    sector = models.CharField(_("sector"), max_length=24, choices=Sector.choices, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Certification bodies only.
    code = models.CharField(
        _("body code"),
        max_length=12,
        blank=True,
        validators=[validate_body_code],
        help_text=_("Used in certificate numbers, e.g. GLCERT-TXNG-2026-0001."),
    )
    registration_number = models.CharField(
        _("registration number"),
        max_length=100,
        blank=True,
        help_text=_("Number of the certificate of registration for certification activities."),
    )
    # Accreditation (ISO/IEC 17065 / 17021-1) of a certification body, printed on certificates
    # when set.
    accreditation_body = models.CharField(
        _("accreditation body"),
        max_length=200,
        blank=True,
        help_text=_("E.g. Văn phòng Công nhận Chất lượng (BoA)."),
    )
    accreditation_number = models.CharField(
        _("accreditation number"),
        max_length=100,
        blank=True,
        help_text=_("E.g. VICAS 123-PRO."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    require_two_factor = models.BooleanField(
        _("two-factor sign-in required"),
        default=False,
        help_text=_(
            "For a certification body: its officers, assessors and decision makers must sign "
            "in with a one-time code."
        ),
    )
    # Certification bodies: drawn on their PDF certificates (PNG or JPEG, uploaded by staff).
    logo = models.FileField(_("logo"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        permissions = [
            ("act_for_enterprise", _("Act for the enterprise")),
            ("work_as_cb_staff", _("Work as an officer of the certification body")),
            ("work_as_assessor", _("Work as an assessor of the certification body")),
            ("decide_certification", _("Decide certification for the body")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tax_code"],
                condition=Q(kind="enterprise"),
                name="organisation_enterprise_tax_code_unique",
                violation_error_message=_("An enterprise with this tax code already exists."),
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=~Q(code=""),
                name="organisation_body_code_unique",
                violation_error_message=_("A certification body with this code already exists."),
            ),
            models.CheckConstraint(
                condition=Q(kind="enterprise", code="")
                | Q(kind="certification_body") & ~Q(code=""),
                name="organisation_code_only_for_bodies",
                violation_error_message=_(
                    "A certification body needs a body code; an enterprise has none."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class MembershipQuerySet(models.QuerySet):
    def active(self) -> "MembershipQuerySet":
        return self.filter(ended_at__isnull=True)


class Membership(TimeStampedModel):
    """A user holds a role in an organisation, or — regulators — over a province.

    Created and ended only through certification.services (membership_grant / membership_end),
    which also grant and revoke the matching object permissions.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    jurisdiction = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="regulators",
        verbose_name=_("jurisdiction"),
    )
    title = models.CharField(_("job title"), max_length=100, blank=True)
    manages_body = models.BooleanField(
        _("on the body's management"),
        default=False,
        help_text=_(
            "Lãnh đạo tổ chức chứng nhận: handles complaints about the body itself (not its "
            "officers)."
        ),
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user_id", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role="regulator", jurisdiction__isnull=False, organisation__isnull=True)
                    | (
                        ~Q(role="regulator")
                        & Q(organisation__isnull=False, jurisdiction__isnull=True)
                    )
                ),
                name="membership_regulator_has_jurisdiction_others_organisation",
                violation_error_message=_(
                    "A regulator holds a jurisdiction; every other role belongs to an organisation."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=Q(ended_at__isnull=True, organisation__isnull=False),
                name="membership_one_active_per_user_organisation_role",
            ),
            models.UniqueConstraint(
                fields=["user", "jurisdiction", "role"],
                condition=Q(ended_at__isnull=True, jurisdiction__isnull=False),
                name="membership_one_active_per_user_jurisdiction_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation or self.jurisdiction}"

    @property
    def scope(self) -> "Organisation | Province":
        return self.organisation if self.organisation_id else self.jurisdiction

    @property
    def is_active(self) -> bool:
        return self.ended_at is None
