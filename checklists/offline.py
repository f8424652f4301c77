"""The installable web app of the checklist: its configuration for the page's script (a JSON
block, no inline script), the service worker and the web app manifest."""

from collections import defaultdict

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from checklists.evidence import chunk_bytes
from checklists.models import AnswerConflict, AuditChecklist, EvidencePhoto
from checklists.sync import sync_blockers

# Bump with any change of the service worker's caching rules (old caches are dropped).
CACHE_VERSION = "txng-offline-v1"


def _strings() -> dict[str, str]:
    return {
        "saved": _("Saved on the server"),
        "pending": _("Waiting to sync"),
        "conflict": _("In conflict: the lead chooses"),
        "error": _("Not saved"),
        "offline": _("No connection: answers are kept on this device and sent later."),
        "ready": _("Ready to work offline"),
        "downloading": _("Downloading for offline work…"),
        "downloadFailed": _("Could not download for offline work."),
        "syncing": _("Syncing…"),
        "syncFailed": _("Sync failed; it will be retried."),
        "uploading": _("Uploading"),
        "photoQueued": _("Photo waiting to upload"),
        "noteRequired": _("A note is required for this result."),
        "resolved": _("Conflict resolved."),
    }


def offline_config(audit, *, editable: bool, is_lead: bool, pages=()) -> dict:
    """The configuration of the offline script for a page of `audit` (JSON, no inline code).
    `pages` are further URLs to keep for offline use."""
    pin = AuditChecklist.objects.filter(audit_id=audit.pk).only("sync_version").first()
    return {
        "audit": audit.pk,
        "editable": editable,
        "isLead": is_lead,
        "version": pin.sync_version if pin else 0,
        "syncUrl": reverse("api-audit-checklist-sync", args=[audit.pk]),
        "changesUrl": reverse("api-audit-checklist-changes", args=[audit.pk]),
        "statusUrl": reverse("api-sync-status", args=[audit.pk]),
        "evidenceUrl": reverse("api-audit-evidence", args=[audit.pk]),
        "uploadUrl": reverse(
            "api-evidence-upload", args=["00000000-0000-0000-0000-000000000000"]
        ).replace("00000000-0000-0000-0000-000000000000/", ""),
        "resolveUrl": reverse("api-answer-conflict-resolve", args=[0]).replace("/0/", "/{id}/"),
        "offlineUrls": [
            reverse("audits:audit_list"),
            reverse("audits:audit_checklist", args=[audit.pk]),
            reverse("audits:audit_detail", args=[audit.pk]),
            reverse("api-audit-checklist", args=[audit.pk]),
            *pages,
        ],
        "serviceWorker": reverse("checklists:service_worker"),
        "photoMaxPixels": int(getattr(settings, "EVIDENCE_PHOTO_MAX_PIXELS", 1600)),
        "photoQuality": float(getattr(settings, "EVIDENCE_PHOTO_QUALITY", 0.8)),
        "chunkBytes": chunk_bytes(),
        "conflictItems": [],
        "strings": _strings(),
    }


def checklist_offline_context(audit, *, user, editable: bool, is_lead: bool) -> dict:
    """What the checklist page needs to work offline: the photos by item, the open conflicts
    (for the lead), changes waiting on the team's devices, and the script's configuration."""
    photos = list(
        EvidencePhoto.objects.filter(audit_id=audit.pk, item__isnull=False).order_by("id")
    )
    by_item: dict[int, list] = defaultdict(list)
    for photo in photos:
        by_item[photo.item_id].append(photo)
    conflicts = list(
        AnswerConflict.objects.filter(audit_id=audit.pk, state=AnswerConflict.State.OPEN)
        .select_related("item", "answered_by", "server_answered_by")
        .order_by("item__position", "created_at")
    )
    waiting, _open = sync_blockers(audit) if editable or is_lead else (0, 0)
    config = offline_config(audit, editable=editable, is_lead=is_lead)
    config["conflictItems"] = sorted({c.item_id for c in conflicts})
    return {
        "offline_config": config,
        "photos_by_item": dict(by_item),
        "open_conflicts": conflicts if is_lead else [],
        "conflict_items": {c.item_id for c in conflicts},
        "waiting_on_devices": waiting,
    }


@require_GET
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker (scope /audits/): static assets cached on install, pages network
    first with the cached copy when offline."""
    response = render(
        request,
        "checklists/sw.js",
        {"cache_version": CACHE_VERSION},
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/audits/"
    return response


@require_GET
@login_required
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: the audits open from the home screen."""
    return render(
        request,
        "checklists/manifest.webmanifest",
        {"start_url": reverse("audits:audit_list")},
        content_type="application/manifest+json",
    )


def finding_offline_context(finding, *, user) -> dict:
    """Photos of a finding, and (for the team while the audit is in progress) the offline
    script's configuration to add more through the same queue."""
    from audits.models import Audit
    from audits.rules import assessor_on_team

    audit = finding.audit
    editable = audit.state == Audit.State.IN_PROGRESS and assessor_on_team(audit, user) is True
    return {
        "finding_photos": list(finding.evidence_photos.order_by("id")),
        "offline_config": offline_config(
            audit,
            editable=True,
            is_lead=False,
            pages=[reverse("audits:finding_detail", args=[finding.pk])],
        )
        if editable
        else None,
    }
