"""The automated WCAG 2.1 AA check (axe-core, bundled by axe-playwright-python and injected by
Playwright: nothing is fetched) over the pages of the browser journey, for every role, at the
desktop width (1280 px) and a phone's (390 px). Every page must report 0 violations."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from audits.models import Audit, Finding
from certification.models import Application, Certificate

from .conftest import VIEWPORT

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
COFFEE = "Công ty TNHH Cà phê"
DURIAN = "Công ty Cổ phần Sầu riêng"


def journey_pages() -> dict[str | None, list[str]]:
    """The pages each role goes through in the journey (test_journey.py), on the demo data."""
    certified = Application.objects.get(
        enterprise__name__startswith=COFFEE, state=Application.State.CERTIFIED
    )
    evaluating = Application.objects.get(enterprise__name__startswith=DURIAN)
    audit = Audit.objects.filter(application=evaluating, kind=Audit.Kind.STAGE2).first()
    finding = Finding.objects.filter(audit=audit, state=Finding.State.OPEN).first()
    planned = Audit.objects.filter(state=Audit.State.PLANNED).first()
    certificate = Certificate.objects.get(application=certified)
    draft = Application.objects.filter(
        enterprise__name__startswith=COFFEE, state=Application.State.DRAFT
    ).first()
    return {
        "enterprise": [
            "/",
            "/applications/",
            "/applications/new/",
            f"/applications/{certified.pk}/",
            f"/applications/{draft.pk}/",
            f"/certificates/{certificate.pk}/",
            "/notifications/",
        ],
        "enterprise2": [f"/applications/{evaluating.pk}/", f"/findings/{finding.pk}/"],
        "cbstaff": [
            "/",
            "/applications/",
            f"/applications/{evaluating.pk}/",
            f"/audits/new/?application={evaluating.pk}",
            "/audits/",
            f"/audits/{planned.pk}/",
            f"/audits/{audit.pk}/",
            f"/certificates/{certificate.pk}/",
        ],
        "lead": [
            "/",
            f"/audits/{planned.pk}/",
            f"/audits/{audit.pk}/",
            f"/audits/{audit.pk}/checklist/",
            f"/findings/{finding.pk}/",
        ],
        "assessor": [f"/audits/{planned.pk}/"],
        "decider": [
            "/",
            f"/applications/{certified.pk}/",
            f"/applications/{certified.pk}/decision/",
        ],
        "regulator": ["/", "/certificates/", "/registrations/"],
        None: ["/verify/", f"/verify/{certificate.number}/", "/accounts/login/", "/no-such-page/"],
    }


def _summary(violation) -> str:
    nodes = violation["nodes"]
    first = nodes[0] if nodes else {}
    return (
        f"{violation['id']} x{len(nodes)}: {first.get('target')} "
        f"{(first.get('failureSummary') or '')[:200]}"
    )


@pytest.mark.parametrize("viewport", [VIEWPORT, PHONE], ids=["1280px", "390px"])
def test_every_page_of_the_journey_passes_wcag_2_1_aa_for_every_role(demo_data, people, viewport):
    axe = Axe()
    found = []
    checked = 0
    for username, paths in journey_pages().items():
        page = people.window(username)
        page.set_viewport_size(viewport)
        for path in paths:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            results = axe.run(page, options=WCAG_AA)
            checked += 1
            for violation in results.response["violations"]:
                found.append((username, path, _summary(violation)))
    assert checked >= 30
    assert found == [], "\n".join(map(str, found))
