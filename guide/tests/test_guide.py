"""The user guide: a safe renderer, the same sections in both languages, and a "User guide"
link on every page of the demo journey that opens an existing section in both languages."""

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audits.models import Audit, Finding
from certification.models import Application, BodyRegistration, Certificate
from core.models import User
from guide import pages
from guide.markdown import render

LINK = re.compile(r'<a class="nav-link text-nowrap" href="([^"]+)" id="nav-guide">')


def test_the_renderer_escapes_html_and_drops_unsafe_links():
    out = render(
        "# T {#top}\n\n<script>alert(1)</script> **b** [x](javascript:alert(1)) "
        "[ok](/verify/) ![a](screenshots/verify.png) ![b](http://evil/x.png)\n\n- `<i>`\n"
    )
    assert "<script>" not in out.html and "&lt;script&gt;" in out.html
    assert "javascript:" not in out.html and '<a href="/verify/">ok</a>' in out.html
    assert '<img src="verify.png"' in out.html and "evil" not in out.html
    assert "<li><code>&lt;i&gt;</code></li>" in out.html
    assert out.anchors == ["top"] and out.title == "T"


def test_both_languages_have_every_page_with_the_same_sections():
    for slug in pages.PAGES:
        vi, en = pages.page("vi", slug), pages.page("en", slug)
        assert vi is not None and en is not None, slug
        assert vi.anchors == en.anchors, slug
    shots = settings.BASE_DIR / "docs" / "screenshots"
    for language in pages.LANGUAGES:
        for slug in pages.PAGES:
            text = (pages.guide_dir() / language / f"{slug}.md").read_text()
            for name in re.findall(r"\(screenshots/([a-z0-9-]+\.png)\)", text):
                assert (shots / name).is_file(), (language, slug, name)
    every = {a for slug in pages.PAGES for a in pages.page("vi", slug).anchors}
    missing = {name: a for name, a in pages.SECTIONS.items() if a and a not in every}
    assert not missing


@pytest.fixture
def demo(db, settings):
    settings.DEMO_PASSWORD = "demo-Pass-2026"
    with open("/dev/null", "w") as quiet:
        call_command("import_checklists", stdout=quiet)
        call_command("seed_demo", "--force", stdout=quiet)


def _journey() -> dict[str | None, list[str]]:
    """The pages of the demo journey, per account (None: a visitor without one)."""
    certified = Certificate.objects.filter(state="active").order_by("pk").first().application
    in_evaluation = Application.objects.filter(state="in_evaluation").order_by("pk").first()
    holder = in_evaluation.enterprise.memberships.active().order_by("pk").first().user.username
    audit = Audit.objects.filter(application=in_evaluation).order_by("pk").first()
    finding = Finding.objects.filter(audit__application=in_evaluation).order_by("pk").first()
    certificate = Certificate.objects.filter(state="active").order_by("pk").first()
    registration = BodyRegistration.objects.order_by("pk").first()
    r = reverse
    common = [
        r("home"),
        r("notifications:list"),
        r("certification:certificate_list"),
        r("certification:certificate_detail", args=[certificate.pk]),
    ]
    return {
        "enterprise": [
            *common,
            r("certification:application_list"),
            r("certification:application_create"),
            r("certification:application_detail", args=[certified.pk]),
            r("tracing:endpoint"),
            r("certification:appeal_list"),
        ],
        holder: [
            r("home"),
            r("certification:application_detail", args=[in_evaluation.pk]),
            r("audits:finding_detail", args=[finding.pk]),
        ],
        "cbstaff": [
            *common,
            r("certification:application_list"),
            r("certification:application_detail", args=[in_evaluation.pk]),
            r("audits:audit_list"),
            r("audits:audit_detail", args=[audit.pk]),
            r("audits:audit_plan") + f"?application={in_evaluation.pk}",
            r("certification:registration_list"),
            r("certification:registration_detail", args=[registration.pk]),
            r("certification:complaint_list"),
            r("certification:appeal_list"),
            r("signing:settings"),
            r("webhooks:list"),
            r("imports:index"),
            r("imports:upload", args=["certificates"]),
        ],
        "lead": [
            *common,
            r("audits:audit_list"),
            r("audits:audit_detail", args=[audit.pk]),
            r("audits:audit_checklist", args=[audit.pk]),
            r("audits:finding_detail", args=[finding.pk]),
        ],
        "decider": [
            *common,
            r("certification:application_list"),
            r("certification:application_detail", args=[certified.pk]),
            r("certification:application_decision", args=[certified.pk]),
        ],
        "regulator": [
            *common,
            r("oversight:dashboard"),
            r("oversight:plan"),
            r("oversight:high_risk_groups"),
            r("oversight:register"),
            r("certification:registration_list"),
            r("imports:index"),
            r("imports:upload", args=["enterprises"]),
        ],
        None: [
            r("certification:verify_search"),
            r("certification:verify", args=[certificate.number]),
            r("login"),
        ],
    }


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_page_of_the_journey_links_to_its_section_of_the_guide(demo, language):
    checked = 0
    for username, urls in _journey().items():
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        if username:
            client.force_login(User.objects.get(username=username))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (username, url, response.status_code)
            link = LINK.search(response.text)
            assert link, (username, url)
            target = link.group(1).replace("&amp;", "&")
            path, _sep, anchor = target.partition("#")
            name = response.resolver_match.view_name
            assert anchor == pages.SECTIONS[name], (username, url, target)
            guide = client.get(path)
            assert guide.status_code == 200, (username, url, target)
            assert f'id="{anchor}"' in guide.text, (username, url, target)
            assert f'lang="{language}"' in guide.text
            checked += 1
    assert checked > 40


@pytest.mark.django_db
def test_guide_pages_screenshots_and_unknown_names(client):
    index = client.get(reverse("guide:index"))
    assert index.status_code == 200
    assert reverse("guide:page", args=["body-staff"]) in index.text
    page = client.get(reverse("guide:page", args=["common"]))
    assert page.status_code == 200 and 'id="verify"' in page.text
    assert reverse("guide:screenshot", args=["verify.png"]) in page.text
    shot = client.get(reverse("guide:screenshot", args=["verify.png"]))
    assert shot.status_code == 200 and shot["Content-Type"] == "image/png"
    assert client.get(reverse("guide:screenshot", args=["missing.png"])).status_code == 404
    assert client.get(reverse("guide:page", args=["nothing-here"])).status_code == 404
