"""Issue 16 in a real browser (Debian Chromium driven by Playwright, live server): the checklist
works offline, keeps its queue across a reload, syncs exactly once when the connection returns,
keeps conflicting answers for the lead, and never saves while arrowing through a result group.

Timing: no sleeps. Waits are on what a person sees (the counter, an answer's state), with a
deadline; "within 10 s" is the deadline of the wait for the counter to reach 0.
"""

import pytest
from playwright.sync_api import expect

from audits.models import Audit
from checklists.models import (
    AnswerConflict,
    ChecklistAnswer,
    EvidencePhoto,
    EvidenceUpload,
    SyncReceipt,
)
from checklists.selectors import applicable_items

from .conftest import TIMEOUT_MS, VIEWPORT, login
from .offline_setup import PASSWORD, QUEUED_ANSWERS, audit_in_progress, photo_bytes

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


# Waits for what a person sees; the machine running the suite may be slow. The acceptance's
# "within 10 s" has its own deadline below.
expect.set_options(timeout=TIMEOUT_MS // 2)
SCRIPT_ERRORS: list[str] = []


def open_window(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("pageerror", lambda error: SCRIPT_ERRORS.append(f"{username}: {error}"))
    login(page, username, PASSWORD)
    return context, page


def open_checklist(page, audit: Audit, *, offline_ready: bool = True) -> None:
    page.goto(f"/audits/{audit.pk}/checklist/")
    expect(page.locator("html")).to_have_attribute("data-checklist-ready", "true")
    if offline_ready:
        # The service worker is active and the audit's pages are downloaded.
        expect(page.locator("html")).to_have_attribute(
            "data-offline-ready", "true", timeout=TIMEOUT_MS * 2
        )


def choose(page, item, result: str, note: str = "") -> None:
    if note:
        page.locator(f"#note-{item.pk}").fill(note)
    page.locator(f'label[for="r-{item.pk}-{result}"]').click()


def state_of(page, item):
    return page.locator(f"#item-{item.pk} .answer-state")


@pytest.fixture
def setting(db):
    return audit_in_progress()


@pytest.fixture
def windows(browser, live_server):
    SCRIPT_ERRORS.clear()
    opened = []

    def window(username):
        context, page = open_window(browser, live_server, username)
        opened.append(context)
        return context, page

    yield window
    for context in opened:
        context.close()
    assert not SCRIPT_ERRORS, SCRIPT_ERRORS  # the page's script never failed


def test_answers_given_offline_survive_a_reload_and_sync_exactly_once(setting, windows, tmp_path):
    audit, _lead, member = setting
    items = applicable_items(audit)[:10]
    context, page = windows(member.username)
    open_checklist(page, audit)
    photo = tmp_path / "IMG_2031.jpg"
    photo.write_bytes(photo_bytes())

    context.set_offline(True)
    expect(page.locator("#offline-banner")).to_be_visible()
    for item in items[:8]:
        choose(page, item, "conform")
    choose(page, items[8], "not_applicable", "Cơ sở không có khâu sơ chế.")
    choose(page, items[9], "minor", "Sổ nhật ký thiếu 2 ngày.")
    page.locator(f'.evidence-input[data-item="{items[9].pk}"]').set_input_files(str(photo))
    expect(page.locator("#sync-count")).to_have_text("11")  # 10 answers and 1 photo
    expect(page.locator(f"#thumbs-{items[9].pk} .evidence-thumb.pending")).to_have_count(1)

    page.reload()  # still offline: the page comes from the service worker's cache

    expect(page.locator("html")).to_have_attribute("data-checklist-ready", "true")
    expect(page.locator("#offline-banner")).to_be_visible()
    expect(page.locator("#sync-count")).to_have_text("11")
    for item in items:
        expect(state_of(page, item)).to_have_attribute("data-state", "pending")
    expect(page.locator(f"#r-{items[8].pk}-not_applicable")).to_be_checked()
    expect(page.locator(f"#note-{items[9].pk}")).to_have_value("Sổ nhật ký thiếu 2 ngày.")
    assert not ChecklistAnswer.objects.filter(audit=audit).exists()

    context.set_offline(False)

    expect(page.locator("#sync-count")).to_have_text("0", timeout=10_000)
    answers = {a.item_id: a for a in ChecklistAnswer.objects.filter(audit=audit)}
    assert len(answers) == 10
    assert answers[items[8].pk].result == "not_applicable"
    assert answers[items[8].pk].note == "Cơ sở không có khâu sơ chế."
    assert answers[items[9].pk].result == "minor"
    assert answers[items[9].pk].finding is not None
    assert SyncReceipt.objects.filter(audit=audit).count() == 10  # each answer stored once
    photos = list(EvidencePhoto.objects.filter(audit=audit))
    assert len(photos) == 1 and EvidenceUpload.objects.count() == 1
    assert photos[0].item_id == items[9].pk
    assert photos[0].finding_id == answers[items[9].pk].finding_id
    assert photos[0].taken_at is not None  # the camera's time survived the compression
    for item in items:
        expect(state_of(page, item)).to_have_attribute("data-state", "saved")
    expect(page.locator(f"#thumbs-{items[9].pk} .evidence-thumb img")).to_have_count(1)
    expect(page.locator("#offline-banner")).to_be_hidden()


def test_a_change_made_meanwhile_by_a_teammate_becomes_a_conflict_for_the_lead(setting, windows):
    audit, lead, member = setting
    item = applicable_items(audit)[0]
    field_context, field = windows(member.username)
    _office_context, office = windows(lead.username)
    open_checklist(field, audit)
    open_checklist(office, audit, offline_ready=False)

    field_context.set_offline(True)
    choose(field, item, "minor", "Không có biên bản hiệu chuẩn cân.")
    expect(field.locator("#sync-count")).to_have_text("1")
    choose(office, item, "conform")  # the lead, online, answers the same item
    expect(state_of(office, item)).to_have_attribute("data-state", "saved")

    field_context.set_offline(False)

    expect(field.locator("#sync-count")).to_have_text("0", timeout=10_000)
    expect(state_of(field, item)).to_have_attribute("data-state", "conflict")
    answer = ChecklistAnswer.objects.get(audit=audit, item=item)
    assert (answer.result, answer.answered_by) == ("conform", lead)  # nothing overwritten
    conflict = AnswerConflict.objects.get(audit=audit, item=item)
    assert (conflict.result, conflict.note, conflict.answered_by) == (
        "minor",
        "Không có biên bản hiệu chuẩn cân.",
        member,
    )

    office.reload()
    panel = office.locator("#conflicts")
    expect(panel).to_contain_text("Không có biên bản hiệu chuẩn cân.")
    expect(panel).to_contain_text(item.code)
    expect(state_of(office, item)).to_have_attribute("data-state", "conflict")
    office.locator(f'#conflict-{conflict.pk} button[data-choice="take"]').click()

    expect(office.locator("#conflicts")).to_have_count(0)
    answer.refresh_from_db()
    assert (answer.result, answer.answered_by) == ("minor", member)
    assert answer.finding is not None
    conflict.refresh_from_db()
    assert (conflict.state, conflict.resolved_by) == ("taken", lead)


def test_arrowing_through_a_result_group_stores_nothing(setting, windows):
    audit, _lead, member = setting
    first, second = applicable_items(audit)[:2]
    _context, page = windows(member.username)
    open_checklist(page, audit, offline_ready=False)

    page.locator(f"#r-{first.pk}-conform").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")

    expect(page.locator(f"#r-{first.pk}-observation")).to_be_checked()
    assert page.evaluate(QUEUED_ANSWERS) == 0
    expect(page.locator("#sync-count")).to_have_text("0")
    expect(state_of(page, first)).to_have_attribute("data-state", "none")

    page.keyboard.press("Space")  # chosen: saved

    expect(state_of(page, first)).to_have_attribute("data-state", "saved")
    assert list(ChecklistAnswer.objects.filter(audit=audit).values_list("item_id", "result")) == [
        (first.pk, "observation")
    ]
    assert SyncReceipt.objects.filter(audit=audit).count() == 1  # nothing passed through

    # Focus leaving the group saves what it holds.
    page.locator(f"#note-{second.pk}").fill("Thiếu chữ ký người kiểm tra.")
    page.locator(f"#r-{second.pk}-conform").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate(QUEUED_ANSWERS) == 0
    page.keyboard.press("Tab")

    expect(state_of(page, second)).to_have_attribute("data-state", "saved")
    assert ChecklistAnswer.objects.get(audit=audit, item=second).result == "minor"
    assert SyncReceipt.objects.filter(audit=audit).count() == 2
