"""Daily work without traps, in a real browser (Chromium driven by Playwright) on the demo data,
one test per problem of issue 17: a typed finding response survives attaching evidence; the
impartiality declaration records what was chosen; every irreversible action asks first; no
horizontal scroll for any role at 1280 and 390 px; our own 404 page; one date format and the
wording of certificates and notifications.

Selectors rely on form actions, field names and values and element ids, as in test_journey.py.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from audits.models import Audit, AuditTeamMember, Finding, ImpartialityDeclaration
from certification.models import Application, Certificate, Organisation, Scheme
from core.clock import today
from core.models import User
from notifications.models import Category
from notifications.services import Message, notifications_deliver

from .conftest import TIMEOUT_MS, VIEWPORT
from .test_journey import PDF, path_of, submit

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

expect.set_options(timeout=TIMEOUT_MS)

PHONE = {"width": 390, "height": 844}
ROOT_CAUSE = "Nhân viên kho chưa được hướng dẫn ghi tên bên nhận."
CORRECTION = "Bổ sung tên bên nhận cho phiếu xuất ngày 12/10."
ACTION = "Thêm trường bắt buộc “bên nhận” trong phần mềm kho; đào tạo lại."


def _open_finding(enterprise_user: str) -> Finding:
    return Finding.objects.filter(
        audit__application__enterprise__memberships__user__username=enterprise_user,
        state=Finding.State.OPEN,
        severity=Finding.Severity.MAJOR,
    ).first()


def _fill_response(form) -> None:
    form.locator('[name="root_cause"]').fill(ROOT_CAUSE)
    form.locator('[name="correction"]').fill(CORRECTION)
    form.locator('[name="corrective_action"]').fill(ACTION)
    form.locator('[name="planned_completion"]').fill(
        (today() + datetime.timedelta(days=20)).isoformat()
    )


def _expect_typed(form) -> None:
    expect(form.locator('[name="root_cause"]')).to_have_value(ROOT_CAUSE)
    expect(form.locator('[name="correction"]')).to_have_value(CORRECTION)
    expect(form.locator('[name="corrective_action"]')).to_have_value(ACTION)


# --- 1. The typed response survives attaching evidence ------------------------------------------


def test_1_a_typed_finding_response_survives_attaching_evidence(demo_data, people, tmp_path):
    finding = _open_finding("enterprise2")
    assert finding is not None
    page = people.window("enterprise2")
    page.set_viewport_size(PHONE)  # the phone, where attaching first is the natural order
    page.goto(f"/findings/{finding.pk}/")
    form = page.locator('form[action$="/respond/"]')
    # One form: no other upload form on the page whose submit would lose the text.
    expect(page.locator('form[action$="/documents/upload/"]')).to_have_count(0)
    _fill_response(form)

    # A wrong file first: refused, and everything typed is still there.
    wrong = tmp_path / "ghi-chu.txt"
    wrong.write_text("không phải PDF")
    form.locator('input[type="file"][name="evidence_files"]').set_input_files(str(wrong))
    with page.expect_navigation() as navigation:
        form.locator('button[type="submit"]').click()
    assert navigation.value.status == 415
    form = page.locator('form[action$="/respond/"]')
    _expect_typed(form)
    expect(form.locator(".invalid-feedback")).to_contain_text("Không chấp nhận loại tệp này")
    finding.refresh_from_db()
    assert finding.state == Finding.State.OPEN

    # Then two good files: the text is kept after picking them, sent with them in one submit.
    files = []
    for name in ("phieu-xuat.pdf", "bien-ban-dao-tao.pdf"):
        path = tmp_path / name
        path.write_bytes(PDF)
        files.append(str(path))
    form.locator('input[type="file"][name="evidence_files"]').set_input_files(files)
    _expect_typed(form)
    submit(page, form.locator('button[type="submit"]'))
    finding.refresh_from_db()
    assert finding.state == Finding.State.RESPONDED
    assert finding.root_cause == ROOT_CAUSE and finding.corrective_action == ACTION
    main = page.locator("main")
    expect(main).to_contain_text("phieu-xuat.pdf")
    expect(main).to_contain_text("bien-ban-dao-tao.pdf")


# --- 2. The declaration records what was chosen --------------------------------------------------


def test_2_the_impartiality_declaration_records_what_was_chosen(demo_data, people):
    audit = _planned_pepper_audit()
    path = f"/audits/{audit.pk}/"

    assessor = people.window("assessor")
    assessor.goto(path)
    form = assessor.locator('form[action$="/declaration/"]')
    expect(form).to_contain_text("Tôi cam kết không có")
    expect(form).to_contain_text("Tôi có quan hệ sau")
    # Signing without choosing: an error, no green message, nothing recorded.
    with assessor.expect_navigation() as navigation:
        form.locator('button[type="submit"]').click()
    assert navigation.value.status == 400
    expect(assessor.locator("#declaration-errors")).to_contain_text("Hãy chọn một trong hai")
    expect(assessor.locator(".alert-success")).to_have_count(0)
    assert not ImpartialityDeclaration.objects.filter(audit=audit).exists()

    # A tie, with what it is: recorded as a tie, and the person is told what it means.
    form = assessor.locator('form[action$="/declaration/"]')
    form.locator('input[name="choice"][value="ties"]').check()
    form.locator('input[name="ties"][value="no_consultancy"]').check()
    form.locator('[name="statement"]').fill("Tư vấn xây dựng hệ thống TXNG năm 2025.")
    submit(assessor, form.locator('button[type="submit"]'))
    expect(assessor.locator(".alert-warning")).to_contain_text("chưa thể bắt đầu")
    mine = ImpartialityDeclaration.objects.get(audit=audit, user__username="assessor")
    assert not mine.is_clean and mine.no_consultancy is False and mine.no_employment is True

    # The lead declares no tie: recorded as clean.
    lead = people.window("lead")
    lead.goto(path)
    form = lead.locator('form[action$="/declaration/"]')
    form.locator('input[name="choice"][value="none"]').check()
    submit(lead, form.locator('button[type="submit"]'))
    expect(lead.locator(".alert-success")).to_be_visible()
    assert ImpartialityDeclaration.objects.get(audit=audit, user__username="lead").is_clean


def _planned_pepper_audit() -> Audit:
    """The demo's planned stage 1 (lead and assessor on the team, nobody declared yet)."""
    return Audit.objects.filter(state=Audit.State.PLANNED, declarations__isnull=True).first()


# --- 3. Every irreversible action asks first ---------------------------------------------------


def _ask_then(page, form, *, confirm: bool, contains: str) -> None:
    """Press the form's button: the dialog restates the consequence; go back or confirm."""
    dialog = page.locator("#confirm-dialog")
    if confirm:
        with page.expect_navigation():
            form.locator('button[type="submit"]').click()
            expect(dialog).to_be_visible()
            expect(dialog).to_contain_text(contains)
            dialog.locator('button[value="confirm"]').click()
    else:
        form.locator('button[type="submit"]').click()
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text(contains)
        dialog.locator('button[value="cancel"]').click()
        expect(dialog).to_be_hidden()


def _decision_pending() -> Application:
    """An application ready for a decision, filed on paper for a new enterprise."""
    from certification.demo_workflow import _closed_audit, _on_paper
    from certification.services import application_submit_for_decision

    body = Organisation.objects.get(code="GLCERT")
    scheme = Scheme.objects.get(code="tcvn-12850-2019")
    staff, lead, assessor = (
        User.objects.get(username=name) for name in ("cbstaff", "lead", "assessor")
    )
    enterprise = _new_enterprise("Công ty TNHH Ca cao Đak Đoa")
    application = _on_paper(enterprise, body, scheme, staff, SCOPE)
    _closed_audit(application, Audit.Kind.STAGE1, staff, lead, assessor)
    _closed_audit(application, Audit.Kind.STAGE2, staff, lead, assessor)
    return application_submit_for_decision(
        application=application, by=staff, technical_review_note="Đạt yêu cầu."
    )


def test_3_each_irreversible_action_asks_first_and_going_back_changes_nothing(demo_data, people):
    staff = people.window("cbstaff")

    # Removing a team member (the planned stage 1 of the demo).
    audit = _planned_pepper_audit()
    staff.goto(f"/audits/{audit.pk}/")
    member = AuditTeamMember.objects.get(audit=audit, user__username="assessor")
    remove = staff.locator(f'form[action$="/team/{member.pk}/remove/"]')
    _ask_then(staff, remove, confirm=False, contains="sẽ bị rút khỏi đoàn đánh giá")
    assert AuditTeamMember.objects.filter(pk=member.pk).exists()
    _ask_then(staff, remove, confirm=True, contains="sẽ bị rút khỏi đoàn đánh giá")
    assert not AuditTeamMember.objects.filter(pk=member.pk).exists()

    # Cancelling the audit (a reason is required first, then the question).
    cancel = staff.locator('form[action$="/transitions/cancel/"]')
    cancel.locator('[name="comment"]').fill("Doanh nghiệp xin dời lịch.")
    _ask_then(staff, cancel, confirm=False, contains="Cuộc đánh giá sẽ bị hủy")
    audit.refresh_from_db()
    assert audit.state == Audit.State.PLANNED

    # Withdrawing the certificate (revoking it) on its page.
    certificate = Certificate.objects.filter(
        state=Certificate.State.ACTIVE, enterprise__name__startswith="Công ty TNHH Cà phê"
    ).first()
    staff.goto(f"/certificates/{certificate.pk}/")
    revoke = staff.locator('form[action$="/transitions/withdraw/"]')
    revoke.locator('[name="comment"]').fill("Vi phạm quy định sử dụng dấu.")
    _ask_then(staff, revoke, confirm=False, contains="sẽ bị thu hồi")
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.ACTIVE

    # Granting and refusing on the decision page.
    pending = _decision_pending()
    decider = people.window("decider")
    decider.goto(f"/applications/{pending.pk}/decision/")
    for name, words in (("grant", "Sẽ cấp chứng nhận"), ("refuse", "Sẽ từ chối chứng nhận")):
        form = decider.locator(f'form[action$="/transitions/{name}/"]')
        for field in form.locator("textarea, input[type=text]").all():
            field.fill("Theo kết quả đánh giá.")
        _ask_then(decider, form, confirm=False, contains=words)
    pending.refresh_from_db()
    assert pending.state == Application.State.DECISION_PENDING

    # The enterprise withdraws its draft: asked, then "Đã rút" (not a certificate's "Đã thu hồi").
    enterprise = people.window("enterprise")
    draft = Application.objects.filter(
        enterprise__name__startswith="Công ty TNHH Cà phê", state=Application.State.DRAFT
    ).first()
    enterprise.goto(f"/applications/{draft.pk}/")
    withdraw = enterprise.locator('form[action$="/transitions/withdraw/"]')
    _ask_then(enterprise, withdraw, confirm=False, contains="sẽ bị rút")
    draft.refresh_from_db()
    assert draft.state == Application.State.DRAFT
    _ask_then(enterprise, withdraw, confirm=True, contains="sẽ bị rút")
    draft.refresh_from_db()
    assert draft.state == Application.State.WITHDRAWN
    badge = enterprise.locator(".state-badge").first
    expect(badge).to_have_text("Đã rút")

    # Rejecting an application under review (the officer).
    review = _under_review()
    staff.goto(f"/applications/{review.pk}/")
    reject = staff.locator('form[action$="/transitions/reject/"]')
    reject.locator('[name="comment"]').fill("Phạm vi ngoài năng lực của tổ chức.")
    _ask_then(staff, reject, confirm=False, contains="sẽ bị từ chối")
    review.refresh_from_db()
    assert review.state == Application.State.UNDER_REVIEW


def _new_enterprise(name: str) -> Organisation:
    from certification.tests.factories import EnterpriseFactory

    body = Organisation.objects.get(code="GLCERT")
    return EnterpriseFactory(province=body.province, name=name)


SCOPE = {
    "products": [{"name": "Ca cao lên men Đak Đoa", "gtin": "8934588060014"}],
    "sites": [{"name": "Vườn ca cao Đak Đoa", "address": "Xã Đak Đoa, Gia Lai"}],
    "stages": ["primary_production", "processing", "packing"],
    "sector_standard": "TCVN 12827:2023",
    "employees_in_scope": 12,
}


def _under_review() -> Application:
    """An application filed on paper by the officer, submitted and under review."""
    from certification.demo_workflow import _upload
    from certification.services import (
        application_accept_mark_rules,
        application_create,
        application_start_review,
        application_submit,
    )

    body = Organisation.objects.get(code="GLCERT")
    scheme = Scheme.objects.get(code="tcvn-12850-2019")
    staff = User.objects.get(username="cbstaff")
    application = application_create(
        enterprise=_new_enterprise("Công ty TNHH Mắc ca Kbang"),
        body=body,
        scheme=scheme,
        by=staff,
        **SCOPE,
    )
    _upload(application, scheme.required_document_types, staff)
    application_accept_mark_rules(application=application, by=staff)
    application_submit(application=application, by=staff)
    return application_start_review(application=application, by=staff)


# --- 4. No horizontal scroll for any role ---------------------------------------------------------

ROLE_PAGES = {
    "enterprise": ["/", "/applications/", "/certificates/", "/appeals/", "/notifications/"],
    "cbstaff": [
        "/",
        "/applications/",
        "/audits/",
        "/certificates/",
        "/registrations/",
        "/appeals/",
        "/complaints/",
        "/notifications/",
    ],
    "lead": ["/", "/applications/", "/audits/", "/notifications/"],
    "decider": ["/", "/applications/", "/certificates/", "/appeals/"],
    "regulator": ["/", "/certificates/", "/registrations/", "/oversight/"],
    None: ["/verify/", "/accounts/login/"],
}


def _detail_pages(username) -> list[str]:
    """A detail page of each kind the role works on (the demo's first ones)."""
    pages = []
    if username in ("enterprise", "cbstaff", "lead", "decider"):
        application = Application.objects.filter(
            enterprise__name__startswith="Công ty TNHH Cà phê", state=Application.State.CERTIFIED
        ).first()
        pages.append(f"/applications/{application.pk}/")
    if username in ("cbstaff", "lead"):
        audit = Audit.objects.filter(state=Audit.State.REPORT_SUBMITTED).first()
        pages.append(f"/audits/{audit.pk}/")
        finding = Finding.objects.filter(audit=audit).first()
        pages.append(f"/findings/{finding.pk}/")
    if username in ("enterprise", "cbstaff", "regulator", "decider"):
        certificate = Certificate.objects.filter(
            state=Certificate.State.ACTIVE, enterprise__name__startswith="Công ty TNHH Cà phê"
        ).first()
        pages.append(f"/certificates/{certificate.pk}/")
    return pages


def _overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scroll)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


def _widest(page) -> list[str]:
    """The innermost elements that stick out of the window (to say what overflows)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .filter(e => ![...e.children].some(
                c => c.getBoundingClientRect().right > window.innerWidth + 1))
            .slice(0, 5)
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                 + (e.className && typeof e.className === 'string'
                    ? '.' + e.className.trim().split(/\\s+/).join('.') : ''))"""
    )


@pytest.mark.parametrize("viewport", [VIEWPORT, PHONE], ids=["1280px", "390px"])
def test_4_no_role_has_a_horizontal_scroll_and_the_user_menu_is_reachable(
    demo_data, people, viewport
):
    wide = []
    for username, paths in ROLE_PAGES.items():
        page = people.window(username)
        page.set_viewport_size(viewport)
        for path in [*paths, *_detail_pages(username)]:
            page.goto(path)
            overflow = _overflow(page)
            if overflow > 0:
                wide.append((username, path, overflow, _widest(page)))
        if username is None:
            continue
        # Below 1400 px the header folds into its menu button; the user's menu is reachable.
        page.goto("/")
        toggler = page.locator(".navbar-toggler")
        expect(toggler).to_be_visible()
        toggler.click()
        # The menu has finished unfolding (Bootstrap's "collapsing" → "collapse show").
        expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
        user_menu = page.locator("#main-nav .dropdown-toggle")
        expect(user_menu).to_be_visible()
        box = user_menu.bounding_box()
        assert box["x"] + box["width"] <= viewport["width"], (username, box)
        user_menu.click()
        expect(user_menu).to_have_attribute("aria-expanded", "true")
        expect(page.locator('#main-nav form[action$="/logout/"] button')).to_be_visible()
    assert wide == [], wide


# --- 6. Our own 404 page -------------------------------------------------------------------------


def test_6_an_unknown_address_shows_our_404_page_in_vietnamese_then_english(
    demo_data, people, settings
):
    assert settings.DEBUG is False
    page = people.window(None)
    response = page.goto("/ho-so/khong-ton-tai/")
    assert response.status == 404
    expect(page.locator("#error-title")).to_have_text("Không tìm thấy trang")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator(".navbar-brand")).to_have_text("TXNG Cert")  # the site's look
    # The header's language switch works on the error page too (in the folded menu).
    page.locator(".navbar-toggler").click()
    with page.expect_navigation():
        page.locator('.lang-switch a[lang="en"]').click()
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.locator("#error-title")).to_have_text("Page not found")
    signed_in = people.window("enterprise")
    other = Application.objects.exclude(enterprise__memberships__user__username="enterprise")
    response = signed_in.goto(f"/applications/{other.first().pk}/")
    assert response.status == 404
    expect(signed_in.locator("#error-title")).to_have_text("Không tìm thấy trang")


# --- 7. Wording: dates, versions, notifications ---------------------------------------------------

OTHER_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}-\d{1,2}-\d{4}\b|[Tt]háng \d{1,2}\b")


def test_7_one_date_format_no_version_0_and_notifications_in_the_readers_language(
    demo_data, people
):
    staff = people.window("cbstaff")
    certificate = Certificate.objects.filter(state=Certificate.State.ACTIVE, version=0).first()
    application = certificate.application
    # A notification (its time is on the page too); later the reader switches to English.
    user = User.objects.get(username="cbstaff")

    def render():
        from django.utils.translation import gettext

        return gettext("Page not found"), gettext("Go to the home page")

    notifications_deliver(
        messages=[
            Message(
                recipient=user,
                event="test.language",
                category=Category.APPLICATIONS,
                subject=None,
                period="1",
                render=render,
                url=f"/applications/{application.pk}/",
            )
        ]
    )
    for path in (
        f"/certificates/{certificate.pk}/",
        f"/applications/{application.pk}/",
        "/applications/",
        "/audits/",
        "/certificates/",
        "/notifications/",
    ):
        staff.goto(path)
        text = staff.locator("main").inner_text()
        assert not OTHER_DATE.search(text), (path, OTHER_DATE.search(text).group(0))
        assert re.search(r"\b\d{2}/\d{2}/\d{4}\b", text), path
    staff.goto(f"/certificates/{certificate.pk}/")
    version = staff.locator("#cert-version")
    expect(version).to_have_text("bản đầu tiên")
    assert "phiên bản 0" not in staff.locator("main").inner_text()

    staff.goto("/notifications/")
    item = staff.locator(".list-group-item", has_text="Không tìm thấy trang")
    open_button = item.locator('form:has(input[name="next"][value^="/applications/"]) button')
    expect(open_button).to_have_text("Mở")
    staff.locator(".navbar-toggler").click()
    with staff.expect_navigation():
        staff.locator('.lang-switch button[value="en"]').click()
    staff.goto("/notifications/")
    item = staff.locator(".list-group-item", has_text="Page not found")
    expect(item).to_contain_text("Go to the home page")
    expect(
        item.locator('form:has(input[name="next"][value^="/applications/"]) button')
    ).to_have_text("Open")
    with staff.expect_navigation():
        open_button = item.locator('form:has(input[name="next"][value^="/applications/"]) button')
        open_button.click()
    assert path_of(staff) == f"/applications/{application.pk}/"
    # Dates stay dd/mm/yyyy in English.
    staff.goto(f"/certificates/{certificate.pk}/")
    text = staff.locator("main").inner_text()
    assert not OTHER_DATE.search(text) and re.search(r"\b\d{2}/\d{2}/\d{4}\b", text)
    expect(staff.locator("#cert-version")).to_have_text("first issue")
