from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class DocumentType(models.TextChoices):
    """Kinds of documents an application or registration carries (scheme requirements)."""

    BUSINESS_REGISTRATION = "business_registration", _("Business registration certificate")
    TRACEABILITY_PROCEDURE = "traceability_procedure", _("Traceability procedures")
    SCOPE_STATEMENT = "scope_statement", _("Scope statement (products, stages, sites)")
    PROCESS_MAP = "process_map", _("Material-flow diagram")
    PRODUCT_LIST = "product_list", _("Product list with GTINs")
    SITE_LIST = "site_list", _("List of sites")
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment against TCVN 12850")
    QUALITY_MANUAL = "quality_manual", _("Quality manual of the certification body")
    ASSESSOR_LIST = "assessor_list", _("List of assessors with qualifications")
    LEGAL_DOCUMENTS = "legal_documents", _("Legal documents")
    PREVIOUS_CERTIFICATE = "previous_certificate", _("Certificate issued by the previous body")
    GENERAL = "general", _("Other document")


# The legal bases a certification decision cites (Căn cứ …), as of 2026. Kept on the scheme
# (editable by the body or an administrator), copied onto each decision when it is made.
DEFAULT_LEGAL_BASES = [
    "Căn cứ Luật Tiêu chuẩn và Quy chuẩn kỹ thuật số 68/2006/QH11 ngày 29 tháng 6 năm 2006;",
    "Căn cứ Luật Chất lượng sản phẩm, hàng hóa số 05/2007/QH12 ngày 21 tháng 11 năm 2007, "
    "được sửa đổi, bổ sung bởi Luật số 78/2025/QH15;",
    "Căn cứ Nghị định số 107/2016/NĐ-CP ngày 01 tháng 7 năm 2016 của Chính phủ quy định về "
    "điều kiện kinh doanh dịch vụ đánh giá sự phù hợp, được sửa đổi, bổ sung bởi Nghị định số "
    "154/2018/NĐ-CP;",
    "Căn cứ Thông tư số 28/2012/TT-BKHCN ngày 12 tháng 12 năm 2012 của Bộ trưởng Bộ Khoa học "
    "và Công nghệ quy định về công bố hợp chuẩn, công bố hợp quy và phương thức đánh giá sự "
    "phù hợp với tiêu chuẩn, quy chuẩn kỹ thuật;",
    "Căn cứ Thông tư số 02/2024/TT-BKHCN ngày 28 tháng 3 năm 2024 của Bộ trưởng Bộ Khoa học và "
    "Công nghệ quy định về quản lý truy xuất nguồn gốc sản phẩm, hàng hóa;",
]


def default_legal_bases() -> list[str]:
    return list(DEFAULT_LEGAL_BASES)


class Scheme(TimeStampedModel):
    """A certification programme: the standard audited against and the rules' parameters.

    The defaults are those of ../shared/spec/workflow.md and standards.md; a body or the
    regulator may tune them per scheme, never in code."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    standard = models.CharField(_("standard"), max_length=100, help_text=_("E.g. TCVN 12850:2019."))
    checklist_code = models.CharField(
        _("checklist template"),
        max_length=100,
        blank=True,
        help_text=_("Code of the checklist template."),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("certificate validity (months)"), default=36
    )
    surveillance_interval_months = models.PositiveSmallIntegerField(
        _("surveillance interval (months)"), default=12
    )
    major_close_days = models.PositiveSmallIntegerField(
        _("days to close a major finding"),
        default=90,
        help_text=_("Counted from the last day of the audit."),
    )
    minor_plan_days = models.PositiveSmallIntegerField(
        _("days to submit a corrective-action plan for a minor finding"), default=30
    )
    stage2_within_months = models.PositiveSmallIntegerField(
        _("stage 2 within (months of stage 1)"), default=6
    )
    major_verify_months = models.PositiveSmallIntegerField(
        _("majors verified closed within (months of stage 2)"),
        default=6,
        help_text=_("Past this, a new stage 2 is needed before a decision."),
    )
    suspension_max_months = models.PositiveSmallIntegerField(
        _("longest suspension (months)"), default=6
    )
    restore_within_months = models.PositiveSmallIntegerField(
        _("restoration after expiry within (months)"), default=6
    )
    trace_test_target_hours = models.DecimalField(
        _("trace-test target time (hours)"), max_digits=4, decimal_places=1, default=4
    )
    trace_test_tolerance_percent = models.DecimalField(
        _("trace-test mass-balance tolerance (%)"),
        max_digits=4,
        decimal_places=1,
        default=2,
        help_text=_("Largest difference between a lot's inputs and outputs that still passes."),
    )
    escalate_overdue_minors = models.BooleanField(
        _("raise overdue minor findings to major"), default=True
    )
    minors_per_section_warning = models.PositiveSmallIntegerField(
        _("minors in one section that may be raised to a major"), default=3
    )
    cooling_off_years = models.PositiveSmallIntegerField(
        _("cooling-off after a relation with a client (years)"),
        default=2,
        help_text=_(
            "A person or the body that consulted, worked for or had another tie with a client "
            "may not audit, review or decide its files until this long after the tie ended "
            "(ISO/IEC 17021-1 §5.2)."
        ),
    )
    appeal_days = models.PositiveSmallIntegerField(_("days to lodge an appeal"), default=30)
    registration_validity_years = models.PositiveSmallIntegerField(
        _("body registration validity (years)"), default=5
    )
    required_document_types = models.JSONField(
        _("required document types"),
        default=list,
        blank=True,
        help_text=_("Document types an application must carry before it is submitted."),
    )
    man_day_table = models.JSONField(
        _("audit man-day table"),
        default=list,
        blank=True,
        help_text=_(
            'Rows of {"employees_up_to": n or null, "man_days": "1.5"}; empty: the '
            "default table (see audits.sampling)."
        ),
    )
    mark_use_rules = models.TextField(
        _("rules for using the certificate and the certification mark"),
        blank=True,
        help_text=_(
            "Accepted by the enterprise before its application is submitted; checked at every "
            "surveillance (ISO/IEC 17065 §4.1.3)."
        ),
    )
    stop_use_days = models.PositiveSmallIntegerField(
        _("days to stop using a suspended or withdrawn certificate"),
        default=15,
        help_text=_("Deadline of the notice sent with a suspension or withdrawal."),
    )
    legal_bases = models.JSONField(
        _("legal bases of the decision"),
        default=default_legal_bases,
        blank=True,
        help_text=_(
            "One “Căn cứ …” line each, in the order the decision cites them. Each decision "
            "keeps a copy of the lines in force when it was made."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("certification scheme")
        verbose_name_plural = _("certification schemes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.standard})"

    @property
    def is_national_standard(self) -> bool:
        """Certification of conformity to a TCVN is “chứng nhận hợp chuẩn” (Law 68/2006)."""
        return self.standard.strip().upper().startswith("TCVN")
