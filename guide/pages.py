"""The guide's pages (docs/guide/<language>/<page>.md) and where each page of the application
is explained: `section_for(view_name, roles)` gives the guide page and anchor for it."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from guide.markdown import Rendered, render

LANGUAGES = ("vi", "en")
# Pages in the order of the guide's index; one per role, then what everyone shares.
PAGES = (
    "enterprise",
    "body-staff",
    "assessor",
    "decision-maker",
    "regulator",
    "common",
)
ROLE_PAGES = {
    "enterprise": "enterprise",
    "cb_staff": "body-staff",
    "assessor": "assessor",
    "decision_maker": "decision-maker",
    "regulator": "regulator",
}
_SLUG = re.compile(r"^[a-z-]+$")

# The section (anchor) explaining each page of the application, by URL name. The anchor is
# looked for in the reader's role pages first, then in the common page.
SECTIONS: dict[str, str] = {
    "home": "home",
    "login": "sign-in",
    "password_change": "account",
    "password_change_done": "account",
    "password_reset": "sign-in",
    "password_reset_done": "sign-in",
    "password_reset_confirm": "sign-in",
    "password_reset_complete": "sign-in",
    "two_factor": "two-factor",
    "two_factor_setup": "two-factor",
    "two_factor_verify": "two-factor",
    "two_factor_recovery_codes": "two-factor",
    "two_factor_disable": "two-factor",
    "notifications:list": "notifications",
    "notifications:preferences": "notifications",
    "certification:verify_search": "verify",
    "certification:verify": "verify",
    "signing:verify_file": "verify-file",
    "certification:complaint_new": "complaint-new",
    "certification:complaint_sent": "complaint-new",
    "certification:application_list": "applications",
    "certification:application_create": "application-new",
    "certification:application_detail": "application-detail",
    "certification:application_edit": "application-new",
    "certification:application_decision": "decision",
    "certification:certificate_list": "certificates",
    "certification:certificate_detail": "certificate-detail",
    "certification:complaint_list": "complaints",
    "certification:complaint_detail": "complaints",
    "certification:appeal_list": "appeals",
    "certification:appeal_new": "appeals",
    "certification:appeal_detail": "appeals",
    "certification:registration_list": "registrations",
    "certification:registration_new": "registrations",
    "certification:registration_detail": "registrations",
    "audits:audit_list": "audits",
    "audits:audit_plan": "audit-plan",
    "audits:audit_detail": "audit-detail",
    "audits:audit_declaration": "declaration",
    "audits:audit_checklist": "checklist",
    "audits:finding_raise": "findings",
    "audits:finding_detail": "findings",
    "audits:finding_respond": "findings",
    "audits:trace_test_record": "trace-test",
    "tracing:audit_tracing": "tracing",
    "tracing:dataset_upload": "tracing",
    "tracing:analysis_create": "tracing",
    "tracing:analysis_detail": "tracing",
    "tracing:endpoint": "epcis",
    "oversight:dashboard": "oversight",
    "oversight:plan": "plan",
    "oversight:activity_create": "plan",
    "oversight:target_update": "plan",
    "oversight:annual_report": "plan",
    "oversight:high_risk_groups": "high-risk-groups",
    "oversight:high_risk_group_edit": "high-risk-groups",
    "oversight:register": "register",
    "webhooks:list": "webhooks",
    "webhooks:create": "webhooks",
    "webhooks:detail": "webhooks",
    "webhooks:edit": "webhooks",
    "signing:settings": "signatures",
    "imports:index": "imports",
    "imports:upload": "imports",
    "imports:batch_detail": "imports",
    "guide:index": "",
    "guide:page": "",
}


def guide_dir() -> Path:
    return Path(getattr(settings, "GUIDE_DIR", Path(settings.BASE_DIR) / "docs" / "guide"))


def _language(code: str | None) -> str:
    code = (code or "vi")[:2]
    return code if code in LANGUAGES else "vi"


@lru_cache(maxsize=32)
def page(language: str, slug: str) -> Rendered | None:
    """The rendered page `slug` in `language` (None when there is no such page)."""
    if slug not in PAGES or not _SLUG.match(slug):
        return None
    path = guide_dir() / _language(language) / f"{slug}.md"
    if not path.is_file():
        return None
    return render(
        path.read_text(encoding="utf-8"),
        screenshot_url=lambda name: reverse("guide:screenshot", args=[name]),
    )


def section_for(view_name: str | None, roles, language: str) -> tuple[str, str]:
    """(page, anchor) of the guide for the page `view_name` seen by someone with `roles`: the
    first of their role pages holding the section, else the common page; for a page the guide
    does not cover, the reader's first role page (or the common one) from its top."""
    candidates = [ROLE_PAGES[r] for r in ROLE_PAGE_ORDER if r in set(roles or ())]
    candidates.append("common")
    anchor = SECTIONS.get(view_name or "", "")
    if anchor:
        for slug in candidates:
            rendered = page(language, slug)
            if rendered is not None and anchor in rendered.anchors:
                return slug, anchor
    return candidates[0], ""


ROLE_PAGE_ORDER = ("cb_staff", "decision_maker", "assessor", "regulator", "enterprise")
