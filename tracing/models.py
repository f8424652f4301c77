"""The trace test read from the enterprise's own EPCIS 2.0 events.

- `TraceRules`: per scheme, the required KDEs per CTE (data, editable in the admin); the
  mass-balance tolerance is the scheme's own (`Scheme.trace_test_tolerance_percent`);
- `EpcisEndpoint`: the URL and token of an enterprise's EPCIS 2.0 query interface;
- `EpcisDataset`: one read document (uploaded, or the answer of the query interface) for an
  audit, stored as evidence in the documents app;
- `TraceAnalysis`: the trace of one lot over one dataset, with its computed result;
- `ProposedFinding`: a gap of an analysis, proposed to the lead assessor, who confirms it (a
  finding is raised) or dismisses it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.models import TimeStampedModel
from core.workflow import rule
from tracing.analysis import CTES, DEFAULT_REQUIRED_KDES, KDES


def default_required_kdes() -> dict:
    return {cte: list(kdes) for cte, kdes in DEFAULT_REQUIRED_KDES.items()}


class TraceRules(TimeStampedModel):
    """Which key data elements a scheme requires of each critical tracking event."""

    scheme = models.OneToOneField(
        "certification.Scheme",
        on_delete=models.CASCADE,
        related_name="trace_rules",
        verbose_name=_("scheme"),
    )
    required_kdes = models.JSONField(
        _("required KDEs per CTE"),
        default=default_required_kdes,
        help_text=_(
            "For each critical tracking event (commissioning, receiving, transformation, "
            "packing, shipping, other) the key data elements it must carry."
        ),
    )

    class Meta:
        verbose_name = _("trace rules")
        verbose_name_plural = _("trace rules")

    def __str__(self) -> str:
        return str(self.scheme)

    def clean(self) -> None:
        super().clean()
        table = self.required_kdes
        if not isinstance(table, dict):
            raise ValidationError({"required_kdes": _("A mapping of CTE to a list of KDEs.")})
        for cte, kdes in table.items():
            if cte not in CTES:
                raise ValidationError({"required_kdes": _("Unknown CTE “%(cte)s”.") % {"cte": cte}})
            if not isinstance(kdes, list) or any(k not in KDES for k in kdes):
                raise ValidationError(
                    {
                        "required_kdes": _("Unknown KDE in “%(cte)s”; known: %(kdes)s.")
                        % {"cte": cte, "kdes": ", ".join(KDES)}
                    }
                )


class EpcisEndpoint(TimeStampedModel):
    """The enterprise's EPCIS 2.0 query interface, asked at the moment of a trace test."""

    enterprise = models.OneToOneField(
        "certification.Organisation",
        on_delete=models.CASCADE,
        related_name="epcis_endpoint",
        verbose_name=_("enterprise"),
    )
    url = models.URLField(_("query interface URL"), max_length=500)
    # Sent as "Authorization: Bearer …"; never shown back nor logged.
    token = models.CharField(_("access token"), max_length=500, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )

    class Meta:
        verbose_name = _("EPCIS query interface")
        verbose_name_plural = _("EPCIS query interfaces")

    def __str__(self) -> str:
        return self.url


class EpcisDataset(TimeStampedModel):
    """One EPCIS document read for an audit: uploaded, or answered by the query interface."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded document")
        QUERY = "query", _("Query interface")

    audit = models.ForeignKey(
        "audits.Audit",
        on_delete=models.CASCADE,
        related_name="epcis_datasets",
        verbose_name=_("audit"),
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    document = models.OneToOneField(
        "documents.Document",
        on_delete=models.PROTECT,
        related_name="epcis_dataset",
        verbose_name=_("evidence document"),
    )
    event_count = models.PositiveIntegerField(_("events"))
    counts = models.JSONField(_("events per kind"), default=dict)
    query_url = models.URLField(_("query URL"), max_length=1000, blank=True)
    requested_at = models.DateTimeField(_("requested at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_seconds = models.DecimalField(
        _("time to answer (s)"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("read by"),
    )

    class Meta:
        verbose_name = _("EPCIS dataset")
        verbose_name_plural = _("EPCIS datasets")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk} ({self.event_count})"


class TraceAnalysis(TimeStampedModel):
    """The trace of one lot (GTIN + lot) over one dataset. `data` is the analysis as computed
    (tracing.analysis.analyse); `result` is never typed."""

    class Result(models.TextChoices):
        PASS = "pass", _("Passed")
        FAIL = "fail", _("Failed")

    dataset = models.ForeignKey(
        EpcisDataset, on_delete=models.CASCADE, related_name="analyses", verbose_name=_("dataset")
    )
    gtin = models.CharField(_("GTIN"), max_length=14)
    lot = models.CharField(_("lot / batch"), max_length=20)
    result = models.CharField(_("result"), max_length=4, choices=Result.choices)
    data = models.JSONField(_("analysis"))
    tolerance_percent = models.DecimalField(
        _("mass-balance tolerance (%)"), max_digits=5, decimal_places=2
    )
    analysis_ms = models.PositiveIntegerField(_("analysis time (ms)"))
    analysed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("analysed by"),
    )
    report = models.ForeignKey(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("report document"),
    )
    trace_test = models.ForeignKey(
        "audits.TraceTest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="epcis_analyses",
        verbose_name=_("trace test recorded"),
    )

    class Meta:
        verbose_name = _("trace analysis")
        verbose_name_plural = _("trace analyses")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.gtin} / {self.lot}"

    @property
    def audit(self):
        return self.dataset.audit


@rule(_("Only the lead assessor of this audit may do this."))
def lead_of_the_audit(proposal, user) -> bool:
    from audits.rules import lead_of_audit

    return lead_of_audit(proposal.analysis.dataset.audit, user)


class ProposedFinding(FSMModelMixin, TimeStampedModel):
    """A gap found by an analysis, waiting for the lead assessor's decision."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")  # waiting for the lead assessor
        CONFIRMED = "confirmed", _("Confirmed")  # raised as a finding of the audit
        DISMISSED = "dismissed", _("Dismissed")  # the lead decided it is not a finding

    analysis = models.ForeignKey(
        TraceAnalysis,
        on_delete=models.CASCADE,
        related_name="proposals",
        verbose_name=_("analysis"),
    )
    code = models.CharField(_("gap"), max_length=40)
    severity = models.CharField(_("proposed severity"), max_length=12)
    clause_reference = models.CharField(_("clause"), max_length=40, blank=True)
    description = models.TextField(_("description"))
    events = models.JSONField(_("events"), default=list)
    state = FSMField(
        _("state"),
        max_length=12,
        choices=State.choices,
        default=State.PROPOSED,
        protected=True,
    )
    finding = models.OneToOneField(
        "audits.Finding",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposed_from",
        verbose_name=_("finding raised"),
    )

    class Meta:
        verbose_name = _("proposed finding")
        verbose_name_plural = _("proposed findings")
        ordering = ["analysis_id", "pk"]

    def __str__(self) -> str:
        return f"{self.code}: {self.description[:60]}"

    @transition(
        field=state,
        source=State.PROPOSED,
        target=State.CONFIRMED,
        permission=lead_of_the_audit,
        custom={"label": _("Confirm as a finding")},
    )
    def confirm(self) -> None:
        pass

    @transition(
        field=state,
        source=State.PROPOSED,
        target=State.DISMISSED,
        permission=lead_of_the_audit,
        custom={"label": _("Dismiss"), "requires": ("comment",)},
    )
    def dismiss(self) -> None:
        pass
