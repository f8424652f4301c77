"""The journey of issue 8 in a real browser (Chromium driven by Playwright) against the live
server, with the demo accounts, each in a window of their own:

enterprise applies and uploads → cbstaff accepts → plans stages 1 and 2, the team declares →
the lead fills the checklists (a minor finding on stage 2) and records a trace test → reports
approved → the enterprise responds with evidence → the lead accepts the plan → technical review
→ the decision maker grants → the public page shows the certificate as valid.

Selectors rely on form actions, field names and the values of choices, not on wording or CSS.
"""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from audits.models import Audit, Finding, TraceTest
from certification.models import Application, Certificate, Organisation, Scheme
from core.clock import today
from core.models import User

from .conftest import TIMEOUT_MS
from .interactions import Interactions, raw

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Waits for what a person sees; the machine running the suite may be slow.
expect.set_options(timeout=TIMEOUT_MS)

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
MINOR_ITEM = "C-06"
MINOR_NOTE = "Phiếu xuất kho thiếu số lô ở 2/10 mẫu."
# Issue 17: the enterprise's path from the new-application page to the submitted application.
MAX_APPLY_INTERACTIONS = 25


def submit(page, button, confirm: str | None = None) -> None:
    """Click a form's submit button and check the page it leads to is not an error. When the
    form asks for a confirmation (`confirm`: its consequence), the dialog shows it and is
    confirmed."""
    with page.expect_navigation() as navigation:
        button.click()
        if confirm:
            dialog = page.locator("#confirm-dialog")
            expect(raw(dialog)).to_be_visible()
            expect(raw(dialog)).to_contain_text(confirm)
            dialog.locator('button[value="confirm"]').click()
    response = navigation.value
    assert response is not None and response.ok, (
        page.url,
        response and response.status,
        page.locator("main").inner_text()[:2000] if response else "",
    )


def transition(page, name: str, **fields) -> None:
    """Press the button of transition `name` on the current page, filling what it requires
    (True ticks a checkbox)."""
    form = page.locator(f'form[action$="/transitions/{name}/"]')
    for field, value in fields.items():
        widget = form.locator(f'[name="{field}"]')
        if value is True:
            widget.check()
        else:
            widget.fill(value)
    submit(page, form.locator('button[type="submit"]'), confirm=form.get_attribute("data-confirm"))


def attach(page, doc_type: str, path) -> None:
    """Choose the file in the slot of `doc_type`: it is sent at once (upload.js) and the slot
    then shows it attached."""
    slot = page.locator(f'.upload-slot[data-doc-type="{doc_type}"]')
    expect(raw(slot).locator('[data-state="missing"]')).to_have_count(1)
    slot.locator(
        'form[action$="/documents/upload/"] input[type="file"][name="file"]'
    ).first.set_input_files(str(path))
    expect(raw(slot).locator('[data-state="attached"]')).to_have_count(1)
    expect(raw(slot).locator(".upload-item[data-state=done]")).to_have_count(1)


def apply(page, tmp_path) -> str:
    """The enterprise fills the application form, attaches each required document in its
    slot and submits, in at most MAX_APPLY_INTERACTIONS interactions (counted from the
    new-application page to the submitted application). Returns the application's URL path."""
    scheme = Scheme.objects.get(code="tcvn-12850-2019")
    body = Organisation.objects.get(code="GLCERT")
    person = Interactions(page)
    person.goto("/applications/new/")
    form = person.locator('form:has(input[name="product_name"])')
    # The only body and scheme, the initial kind and the user's own contact come preselected.
    expect(raw(form).locator('select[name="body"]')).to_have_value(str(body.pk))
    expect(raw(form).locator('select[name="scheme"]')).to_have_value(str(scheme.pk))
    expect(raw(form).locator('select[name="kind"]')).to_have_value("initial")
    expect(raw(form).locator('[name="contact_name"]')).to_have_value("Nguyễn Thị Hạnh")
    expect(raw(form).locator('[name="contact_email"]')).not_to_have_value("")
    form.locator('input[name="product_name"]').nth(0).fill("Cà phê nhân Robusta Chư Sê")
    form.locator('input[name="product_gtin"]').nth(0).fill("8934588012228")
    # A second product row, added by HTMX.
    form.locator('button[hx-get*="kind=product"]').click()
    form.locator('input[name="product_name"]').nth(1).fill("Cà phê rang xay 250 g")
    form.locator('input[name="product_gtin"]').nth(1).fill("8934588012242")
    form.locator('input[name="site_name"]').nth(0).fill("Nhà máy chế biến Chư Sê")
    form.locator('input[name="site_address"]').nth(0).fill("Quốc lộ 14, xã Chư Sê")
    for stage in ("primary_production", "processing", "packing"):
        form.locator(f'input[name="stages"][value="{stage}"]').check()
    form.locator('[name="sector_standard"]').fill("TCVN 12827:2023")
    submit(person, form.locator('button[type="submit"]'))
    assert re.search(r"/applications/\d+/$", page.url), page.url
    assert "8934588012242" in page.locator("main").inner_text()
    app_path = path_of(page)

    for doc_type in scheme.required_document_types:
        path = tmp_path / f"{doc_type}.pdf"
        path.write_bytes(PDF)
        attach(person, doc_type, path)
    # The scheme's rules for using the certificate and the mark, accepted before submitting.
    submit(person, person.locator("#mark-rules button[type=submit]"))
    transition(person, "submit")
    assert Application.objects.get(pk=_pk(app_path)).state == Application.State.SUBMITTED
    assert person.count <= MAX_APPLY_INTERACTIONS, person.log
    return app_path


def plan_and_start(people, app_path: str, kind: str) -> str:
    """cbstaff plans an audit with the lead and an assessor on the team, both declare, the lead
    starts it. Returns the audit's URL path."""
    staff = people.window("cbstaff")
    staff.goto(app_path)
    with staff.expect_navigation():
        staff.locator('a[href*="/audits/new/?application="]').click()
    form = staff.locator('form:has(select[name="kind"])')
    form.locator('select[name="kind"]').select_option(kind)
    form.locator('select[name="mode"]').select_option("on_site")
    form.locator('input[name="planned_start"]').fill(today().isoformat())
    form.locator('input[name="planned_end"]').fill(
        (today() + datetime.timedelta(days=1)).isoformat()
    )
    submit(staff, form.locator('button[type="submit"]'))
    assert re.search(r"/audits/\d+/$", staff.url), staff.url
    audit_path = path_of(staff)

    for username, role in (("lead", "lead"), ("assessor", "member")):
        team = staff.locator('form[action$="/team/"]')
        team.locator('select[name="user"]').select_option(
            str(User.objects.get(username=username).pk)
        )
        team.locator('select[name="role"]').select_option(role)
        submit(staff, team.locator('button[type="submit"]'))

    for username in ("lead", "assessor"):
        page = people.window(username)
        page.goto(audit_path)
        declaration = page.locator('form[action$="/declaration/"]')
        declaration.locator('input[name="choice"][value="none"]').check()
        submit(page, declaration.locator('button[type="submit"]'))

    lead = people.window("lead")
    lead.goto(audit_path)
    transition(lead, "start")
    assert Audit.objects.get(pk=_pk(audit_path)).state == Audit.State.IN_PROGRESS
    return audit_path


def fill_checklist(lead, audit_path: str, *, minor_on: str = "") -> None:
    """Answer every item by clicking its result: each answer is queued on the device and synced
    (the counter of unsynced answers returns to 0). The minor one first without a note, which the
    server refuses, then with the note, which raises a finding. After a reload the page shows
    every answer saved and the finding's link."""
    lead.goto(audit_path)
    with lead.expect_navigation():
        lead.locator(f'a[href$="{audit_path}checklist/"]').first.click()
    expect(lead.locator("html")).to_have_attribute("data-checklist-ready", "true")
    items = lead.locator('fieldset[id^="item-"]')
    count = items.count()
    assert count >= 20, count
    minor_pk = ""
    for index in range(count):
        item = items.nth(index)
        pk = item.get_attribute("id").removeprefix("item-")
        code = item.locator("legend").inner_text().split()[0]
        if code == minor_on:
            minor_pk = pk
            state = item.locator(".answer-state")
            item.locator(f'label[for="r-{pk}-minor"]').click()
            expect(state).to_have_attribute("data-state", "error")  # a minor needs its note
            item.locator(f"#note-{pk}").fill(MINOR_NOTE)
            item.locator(f"#note-{pk}").press("Tab")
            expect(state).to_have_attribute("data-state", "saved")
        else:
            item.locator(f'label[for="r-{pk}-conform"]').click()
        assert item.locator(f'input[name="result-{pk}"]:checked').count() == 1, code
    expect(lead.locator("#sync-count")).to_have_text("0")
    expect(lead.locator('.answer-state[data-state="saved"]')).to_have_count(count)
    lead.reload()
    expect(lead.locator("html")).to_have_attribute("data-checklist-ready", "true")
    expect(lead.locator('.answer-state[data-state="saved"]')).to_have_count(count)
    assert lead.locator('[id^="status-"] [role="alert"]').count() == 0
    if minor_on:
        expect(lead.locator(f'#status-{minor_pk} a[href*="/findings/"]')).to_have_count(1)
    progress = lead.locator('#checklist-progress [role="progressbar"]')
    assert progress.get_attribute("aria-valuenow") == "100"


def path_of(page) -> str:
    return urlsplit(page.url).path


def _pk(path: str) -> int:
    return int(re.search(r"/(\d+)/$", path).group(1))


def test_the_whole_journey_in_a_browser_ends_with_a_valid_certificate_on_the_public_page(
    demo_data, people, tmp_path
):
    # 1. The enterprise applies, uploads the required documents and submits.
    enterprise = people.window("enterprise")
    app_path = apply(enterprise, tmp_path)
    application = Application.objects.get(pk=_pk(app_path))
    assert application.state == Application.State.SUBMITTED

    # 2. The body's officer reviews and accepts it.
    staff = people.window("cbstaff")
    staff.goto("/applications/")
    assert application.number in staff.locator("main").inner_text()
    staff.goto(app_path)
    transition(staff, "start_review")
    transition(staff, "accept", contract_reference="HĐ-2026/077", scope_within_competence=True)
    application.refresh_from_db()
    assert application.state == Application.State.IN_EVALUATION

    # 3. Stage 1: planned, declared, every item conforms, report approved.
    lead = people.window("lead")
    stage1 = plan_and_start(people, app_path, "stage1")
    fill_checklist(lead, stage1)
    lead.goto(stage1)
    transition(lead, "submit_report", report_summary="Sẵn sàng cho giai đoạn 2.", conclusion="Đạt.")
    staff.goto(stage1)
    transition(staff, "approve_report")

    # 4. Stage 2: one item minor (a finding is raised from the checklist), a trace test.
    stage2 = plan_and_start(people, app_path, "stage2")
    fill_checklist(lead, stage2, minor_on=MINOR_ITEM)
    finding = Finding.objects.get(audit_id=_pk(stage2))
    assert finding.severity == Finding.Severity.MINOR
    assert finding.checklist_item_code == MINOR_ITEM
    lead.goto(stage2)
    trace = lead.locator('form[action$="/trace-tests/"]')
    trace.locator('[name="gtin"]').fill("8934588012228")
    trace.locator('[name="lot"]').fill("L2026-031")
    trace.locator('[name="direction"]').select_option("both")
    trace.locator('[name="started_at"]').fill("2026-03-02T08:00")
    trace.locator('[name="ended_at"]').fill("2026-03-02T10:30")
    trace.locator('[name="quantity_in"]').fill("1200")
    trace.locator('[name="quantity_out"]').fill("1180.5")
    trace.locator('[name="note"]').fill("Truy ngược tới 3 hộ cung cấp.")
    submit(lead, trace.locator('button[type="submit"]'))
    lead.goto(stage2)
    assert "L2026-031" in lead.locator("main").inner_text()
    # The result is computed: both directions, within the target time, the quantities balance.
    assert TraceTest.objects.get(audit_id=_pk(stage2), lot="L2026-031").result == "pass"
    transition(lead, "submit_report", report_summary="Áp dụng đầy đủ.", conclusion="Đạt.")
    staff.goto(stage2)
    transition(staff, "approve_report")

    # 5. The enterprise responds to the finding with evidence; the lead accepts the plan.
    enterprise.goto(app_path)
    with enterprise.expect_navigation():
        enterprise.locator(f'a[href$="/findings/{finding.pk}/"]').first.click()
    response = enterprise.locator('form[action$="/respond/"]')
    response.locator('[name="root_cause"]').fill("Nhân viên kho chưa được hướng dẫn ghi số lô.")
    response.locator('[name="correction"]').fill("Bổ sung số lô cho 2 phiếu xuất.")
    response.locator('[name="corrective_action"]').fill(
        "Đào tạo lại và thêm trường bắt buộc trong phần mềm kho."
    )
    response.locator('[name="planned_completion"]').fill(
        (today() + datetime.timedelta(days=20)).isoformat()
    )
    submit(enterprise, response.locator('button[type="submit"]'))
    evidence = tmp_path / "evidence.pdf"
    evidence.write_bytes(PDF)
    panel = enterprise.locator(f"#documents-finding-{finding.pk}")
    panel.locator('form[action$="/documents/upload/"] input[name="file"]').first.set_input_files(
        str(evidence)
    )
    expect(panel.locator(".upload-item[data-state=done]")).to_have_count(1)
    expect(panel.locator(f"#documents-list-finding-{finding.pk}")).to_contain_text("evidence.pdf")
    finding.refresh_from_db()
    assert finding.state == Finding.State.RESPONDED
    assert "evidence.pdf" in enterprise.locator("main").inner_text()

    lead.goto(f"/findings/{finding.pk}/")
    transition(lead, "accept_plan")
    finding.refresh_from_db()
    assert finding.state == Finding.State.PLAN_ACCEPTED

    # 6. Technical review, then the decision maker grants on the decision page.
    staff.goto(app_path)
    transition(staff, "submit_for_decision", technical_review_note="Hồ sơ đầy đủ.")
    decider = people.window("decider")
    decider.goto(app_path)
    with decider.expect_navigation():
        decider.locator(f'a[href$="{app_path}decision/"]').click()
    transition(decider, "grant")
    application.refresh_from_db()
    assert application.state == Application.State.CERTIFIED
    certificate = Certificate.objects.get(application=application)

    # 7. Anyone, without signing in, sees the certificate as valid.
    public = people.window(None)
    public.goto(f"/verify/{certificate.number}/")
    state = public.locator("#verify-state")
    assert state.locator("[data-state]").get_attribute("data-state") == "active"
    assert "Còn hiệu lực" in state.inner_text()
    assert "Công ty TNHH Cà phê Chư Sê" in public.locator("main").inner_text()
