"""Reads of the tracing app, authorised where they fetch: what a user may see follows the
audits they may see (audits.selectors.audits_visible_to)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from audits.selectors import audits_visible_to
from core.models import User
from tracing.models import EpcisDataset, EpcisEndpoint, ProposedFinding, TraceAnalysis

_AUDIT = (
    "dataset__audit__application__enterprise",
    "dataset__audit__application__body",
    "dataset__audit__application__scheme",
    "dataset__audit__certificate__enterprise",
    "dataset__audit__certificate__body",
    "dataset__audit__certificate__scheme",
)


def datasets_visible_to(user: User) -> QuerySet[EpcisDataset]:
    return EpcisDataset.objects.filter(audit__in=audits_visible_to(user).values("pk"))


def dataset_get_for_user(user: User, pk: int) -> EpcisDataset:
    dataset = (
        datasets_visible_to(user)
        .select_related(*(p.removeprefix("dataset__") for p in _AUDIT), "document")
        .filter(pk=pk)
        .first()
    )
    if dataset is None:
        raise Http404(_("No such EPCIS dataset."))
    return dataset


def datasets_of(audit) -> QuerySet[EpcisDataset]:
    return (
        EpcisDataset.objects.filter(audit=audit)
        .select_related("document", "created_by")
        .order_by("-created_at", "-pk")
    )


def analyses_visible_to(user: User) -> QuerySet[TraceAnalysis]:
    return TraceAnalysis.objects.filter(dataset__audit__in=audits_visible_to(user).values("pk"))


def analysis_get_for_user(user: User, pk: int) -> TraceAnalysis:
    analysis = (
        analyses_visible_to(user)
        .select_related(*_AUDIT, "dataset__document", "analysed_by", "report", "trace_test")
        .filter(pk=pk)
        .first()
    )
    if analysis is None:
        raise Http404(_("No such trace analysis."))
    return analysis


def analyses_of(audit) -> QuerySet[TraceAnalysis]:
    return (
        TraceAnalysis.objects.filter(dataset__audit=audit)
        .select_related("dataset", "analysed_by")
        .order_by("-created_at", "-pk")
    )


def proposals_of(analysis) -> QuerySet[ProposedFinding]:
    return ProposedFinding.objects.filter(analysis=analysis).select_related("finding")


def proposal_get_for_user(user: User, pk: int) -> ProposedFinding:
    proposal = (
        ProposedFinding.objects.filter(analysis__in=analyses_visible_to(user).values("pk"))
        .select_related(*(f"analysis__{p}" for p in _AUDIT))
        .filter(pk=pk)
        .first()
    )
    if proposal is None:
        raise Http404(_("No such proposed finding."))
    return proposal


def endpoint_of(enterprise) -> EpcisEndpoint | None:
    return EpcisEndpoint.objects.filter(enterprise=enterprise).first()
