"""The upload component (issue 17) in a real browser (Chromium driven by Playwright) at a
phone's width, on the demo data: several files at once with a progress bar and a preview each,
a wrong file replaced, another removed (both kept in the history), and the same page without
JavaScript, where each slot is a plain form.

Selectors rely on form actions, field names, data attributes and element ids."""

import pytest
from playwright.sync_api import expect

from certification.models import Application, Organisation, Scheme
from certification.services import application_create
from core.models import User
from documents.models import Document
from documents.tests.factories import png_bytes

from .conftest import DEMO_PASSWORD, TIMEOUT_MS, login
from .test_journey import PDF

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

expect.set_options(timeout=TIMEOUT_MS)

PHONE = {"width": 390, "height": 844}


def _draft() -> Application:
    enterprise_user = User.objects.get(username="enterprise")
    enterprise = Organisation.objects.get(memberships__user=enterprise_user)
    return application_create(
        enterprise=enterprise,
        body=Organisation.objects.get(code="GLCERT"),
        scheme=Scheme.objects.get(code="tcvn-12850-2019"),
        by=enterprise_user,
        products=[{"name": "Cà phê nhân Robusta Chư Sê", "gtin": "8934588012228"}],
        sites=[{"name": "Nhà máy chế biến Chư Sê", "address": "Quốc lộ 14, xã Chư Sê"}],
        stages=["processing"],
    )


def _files(tmp_path) -> dict[str, str]:
    paths = {
        "dkkd.pdf": PDF,
        "so-do.png": png_bytes(),
        "nham.pdf": PDF,
        "dung.pdf": PDF,
        "quy-trinh.pdf": PDF,
    }
    for name, content in paths.items():
        (tmp_path / name).write_bytes(content)
    return {name: str(tmp_path / name) for name in paths}


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


def test_several_files_progress_preview_replace_and_remove_on_a_phone(demo_data, people, tmp_path):
    application = _draft()
    files = _files(tmp_path)
    page = people.window("enterprise")
    page.set_viewport_size(PHONE)
    page.goto(f"/applications/{application.pk}/")

    # Several files at once in the slot of the other documents: a progress bar and a preview
    # each (the image drawn from the file, the PDF as a link to open it).
    other = page.locator('.upload-slot[data-doc-type="general"]')
    other.locator('input[name="file"][multiple]').set_input_files(
        [files["dkkd.pdf"], files["so-do.png"]]
    )
    items = other.locator(".upload-queue .upload-item")
    expect(items).to_have_count(2)
    expect(other.locator('.upload-item[data-state="done"]')).to_have_count(2)
    for index in range(2):
        expect(items.nth(index).locator("progress")).to_have_js_property("value", 100)
    expect(items.nth(0).locator(".upload-thumb-pdf")).to_have_count(1)
    expect(items.nth(1).locator('img[src^="data:image/png"]')).to_have_count(1)
    # Then the slot as the server has it: both files, the image's preview served inline.
    expect(other.locator('[data-state="attached"] .upload-document')).to_have_count(2)
    thumb = other.locator('.upload-document img[src$="/preview/"]')
    expect(thumb).to_have_count(1)
    thumb.scroll_into_view_if_needed()  # thumbnails load lazily
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    _no_horizontal_scroll(page)

    # A wrong file attached in a required slot, then replaced: version 2 shows, version 1 is
    # in the slot's history marked removed.
    slot = page.locator('.upload-slot[data-doc-type="business_registration"]')
    slot.locator('form[action$="/documents/upload/"] input[name="file"]').first.set_input_files(
        files["nham.pdf"]
    )
    expect(slot.locator('[data-state="attached"]')).to_have_count(1)
    slot.locator('form[action$="/replace/"] input[name="file"]').set_input_files(files["dung.pdf"])
    expect(slot.locator('.upload-document a:text("dung.pdf")')).to_have_count(1)
    expect(slot.locator('.upload-history li[data-removed="true"]')).to_have_count(1)
    kept = Document.objects.filter(object_id=application.pk, doc_type="business_registration")
    assert [(d.version, d.removed) for d in kept.order_by("version")] == [(1, True), (2, False)]

    # Removed, after a confirmation: the slot is missing again, both versions in its history.
    slot.locator('form[action$="/remove/"] button[type="submit"]').click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    with page.expect_navigation():
        dialog.locator('button[value="confirm"]').click()
    slot = page.locator('.upload-slot[data-doc-type="business_registration"]')
    expect(slot.locator('[data-state="missing"]')).to_have_count(1)
    expect(slot.locator('.upload-history li[data-removed="true"]')).to_have_count(2)
    expect(page.locator("#application-history")).to_contain_text("dung.pdf")
    assert application.missing_document_types()[0] == "business_registration"
    _no_horizontal_scroll(page)


def test_without_javascript_each_slot_is_a_plain_form(demo_data, browser, live_server, tmp_path):
    application = _draft()
    files = _files(tmp_path)
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="vi-VN", java_script_enabled=False
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        login(page, "enterprise", DEMO_PASSWORD)
        page.goto(f"/applications/{application.pk}/")
        form = page.locator(
            '.upload-slot[data-doc-type="traceability_procedure"] '
            'form[action$="/documents/upload/"]'
        )
        form.locator('input[name="file"]').first.set_input_files(files["quy-trinh.pdf"])
        with page.expect_navigation():
            form.locator('button[type="submit"]').click()
        slot = page.locator('.upload-slot[data-doc-type="traceability_procedure"]')
        expect(slot.locator('[data-state="attached"]')).to_have_count(1)
        expect(slot).to_contain_text("quy-trinh.pdf")
        _no_horizontal_scroll(page)
    finally:
        context.close()


def test_evidence_chosen_with_a_finding_response_is_previewed_before_sending(
    demo_data, people, tmp_path
):
    """The evidence that goes with a finding's response (one form, one submit) is listed with
    a preview of each chosen file before anything is sent."""
    from audits.models import Finding

    finding = Finding.objects.filter(
        audit__application__enterprise__memberships__user__username="enterprise2",
        state=Finding.State.OPEN,
    ).first()
    assert finding is not None
    files = _files(tmp_path)
    page = people.window("enterprise2")
    page.set_viewport_size(PHONE)
    page.goto(f"/findings/{finding.pk}/")
    form = page.locator('form[action$="/respond/"]')
    form.locator('input[name="evidence_files"]').set_input_files(
        [files["dkkd.pdf"], files["so-do.png"]]
    )
    chosen = form.locator(".upload-chosen .upload-item")
    expect(chosen).to_have_count(2)
    expect(chosen.nth(0).locator(".upload-thumb-pdf")).to_have_count(1)
    expect(chosen.nth(1).locator('img[src^="data:image/png"]')).to_have_count(1)
    assert not Document.objects.filter(object_id=finding.pk, doc_type="evidence").exists()
    _no_horizontal_scroll(page)
