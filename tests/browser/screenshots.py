"""`make screenshots`: the README's screenshots of the key pages, taken in Chromium at desktop
width against the live server with the demo data (SQLite in memory unless DATABASE_URL is set).

Not collected by `make test` (the file name does not start with test_); run it by path:
    .venv/bin/python -m pytest -m screenshots tests/browser/screenshots.py
PNG files land in docs/screenshots/ (SCREENSHOTS_DIR to override)."""

import os
from pathlib import Path

import pytest

from audits.models import Audit
from certification.models import Application, Certificate
from tracing.models import TraceAnalysis

from .conftest import VIEWPORT

pytestmark = [pytest.mark.screenshots, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(os.environ.get("SCREENSHOTS_DIR", ROOT / "docs" / "screenshots"))
# The tallest part of a page kept in a screenshot (the checklist is very long).
MAX_HEIGHT = 1800
COFFEE_TAX_CODE = "5900432185"
DURIAN_TAX_CODE = "5901187641"


def shoot(page, path: str, name: str) -> Path:
    response = page.goto(path)
    assert response is not None and response.ok, (path, response and response.status)
    page.wait_for_load_state("networkidle")
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
    target = OUT / f"{name}.png"
    page.screenshot(
        path=str(target),
        full_page=True,
        clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height},
    )
    return target


def test_screenshots_of_the_key_pages(demo_data, people):
    OUT.mkdir(parents=True, exist_ok=True)
    certified = Application.objects.get(
        enterprise__tax_code=COFFEE_TAX_CODE, state=Application.State.CERTIFIED
    )
    certificate = Certificate.objects.filter(application=certified).latest("pk")
    stage2 = Audit.objects.get(
        application__enterprise__tax_code=DURIAN_TAX_CODE, kind=Audit.Kind.STAGE2
    )

    durian_trace = TraceAnalysis.objects.get(
        dataset__audit=stage2, dataset__source="upload", result="fail"
    )

    enterprise = people.window("enterprise")
    shots = [
        shoot(enterprise, "/", "enterprise-home"),
        shoot(enterprise, f"/applications/{certified.pk}/", "application-detail"),
        shoot(people.window("lead"), f"/audits/{stage2.pk}/checklist/", "checklist"),
        shoot(people.window(None), f"/verify/{certificate.number}/", "verify"),
        shoot(people.window("lead"), f"/trace-analyses/{durian_trace.pk}/", "trace-report"),
    ]
    for shot in shots:
        assert shot.stat().st_size > 10_000, shot


def test_screenshot_of_the_offline_sync_counter(browser, live_server):
    """The checklist offline with answers waiting to sync (README, "Working offline")."""
    from playwright.sync_api import expect

    from checklists.selectors import applicable_items

    from .conftest import TIMEOUT_MS, login
    from .offline_setup import PASSWORD, audit_in_progress

    OUT.mkdir(parents=True, exist_ok=True)
    audit, _lead, member = audit_in_progress()
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 420, "height": 900}, locale="vi-VN"
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        login(page, member.username, PASSWORD)
        page.goto(f"/audits/{audit.pk}/checklist/")
        expect(page.locator("html")).to_have_attribute("data-offline-ready", "true")
        context.set_offline(True)
        items = applicable_items(audit)[:3]
        for item in items[:2]:
            page.locator(f'label[for="r-{item.pk}-conform"]').click()
        page.locator(f"#note-{items[2].pk}").fill("Sổ nhật ký thiếu 2 ngày.")
        page.locator(f'label[for="r-{items[2].pk}-minor"]').click()
        expect(page.locator("#sync-count")).to_have_text("3")
        # The counter stays on top (sticky) above the answers marked as waiting.
        first = f"item-{items[0].pk}"
        page.evaluate(
            "(id) => window.scrollTo(0, document.getElementById(id).getBoundingClientRect().top"
            " + window.scrollY - 150)",
            first,
        )
        expect(page.locator(f"#{first} .answer-state")).to_have_attribute("data-state", "pending")
        target = OUT / "offline-sync-counter.png"
        page.screenshot(path=str(target))
        assert target.stat().st_size > 10_000
    finally:
        context.close()


def test_screenshot_of_an_import_preview(demo_data, people):
    """The user guide's walkthrough of an import: the preview of the sample file of legacy
    certificates, one row refused to show the column and reason."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from certification.models import Organisation
    from core.models import User
    from imports import reading, samples
    from imports.kinds import get_kind
    from imports.services import import_preview

    OUT.mkdir(parents=True, exist_ok=True)
    records = samples.legacy_certificates(20)
    records[3]["holder_tax_code"] = "0100233489"  # a wrong check digit
    content = reading.rows_xlsx(get_kind("certificates"), records)
    batch = import_preview(
        kind="certificates",
        upload=SimpleUploadedFile("so-giay-chung-nhan-cu.xlsx", content),
        by=User.objects.get(username="cbstaff"),
        body=Organisation.objects.get(code="GLCERT"),
    )
    shot = shoot(people.window("cbstaff"), f"/imports/batches/{batch.pk}/", "import-preview")
    assert shot.stat().st_size > 10_000, shot


def test_phone_screenshots_of_the_application_and_the_upload_component(demo_data, people, tmp_path):
    """At a phone's width (390 px): a draft application with one required document attached
    and the others missing (phone-application.png), and the upload component just after two
    files were chosen at once, each with its progress bar and preview (phone-upload.png)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from playwright.sync_api import expect

    from certification.models import Organisation, Scheme
    from certification.services import application_create
    from core.models import User
    from documents.services import document_upload
    from documents.tests.factories import png_bytes

    from .test_journey import PDF

    OUT.mkdir(parents=True, exist_ok=True)
    phone = {"width": 390, "height": 844}
    user = User.objects.get(username="enterprise")
    draft = application_create(
        enterprise=Organisation.objects.get(memberships__user=user),
        body=Organisation.objects.get(code="GLCERT"),
        scheme=Scheme.objects.get(code="tcvn-12850-2019"),
        by=user,
        products=[{"name": "Cà phê rang xay 250 g", "gtin": "8934588012242"}],
        sites=[{"name": "Nhà máy chế biến Chư Sê", "address": "Quốc lộ 14, xã Chư Sê"}],
        stages=["processing", "packing"],
    )
    document_upload(
        owner=draft,
        doc_type="business_registration",
        file=SimpleUploadedFile("giay-dkkd.pdf", PDF),
        by=user,
    )
    page = people.window("enterprise")
    page.set_viewport_size(phone)
    page.goto(f"/applications/{draft.pk}/")
    page.wait_for_load_state("networkidle")
    documents = page.locator("section.upload-component")
    documents.scroll_into_view_if_needed()
    target = OUT / "phone-application.png"
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000

    (tmp_path / "so-do-quy-trinh.png").write_bytes(png_bytes())
    (tmp_path / "danh-sach-dia-diem.pdf").write_bytes(PDF)
    other = page.locator('.upload-slot[data-doc-type="general"]')
    other.locator('input[name="file"][multiple]').set_input_files(
        [str(tmp_path / "danh-sach-dia-diem.pdf"), str(tmp_path / "so-do-quy-trinh.png")]
    )
    expect(other.locator('.upload-item[data-state="done"]')).to_have_count(2)
    expect(other.locator('[data-state="attached"] .upload-document')).to_have_count(2)
    thumb = other.locator('.upload-document img[src$="/preview/"]')
    thumb.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    target = OUT / "phone-upload.png"
    other.screenshot(path=str(target))
    assert target.stat().st_size > 5_000
