"""Issue 21 in a real browser: the body's officer uploads a file of legacy certificates, reads
the preview, confirms, and watches the progress bar finish while the Celery worker (a process
of its own) imports the rows. Then the public page finds an imported certificate.

Selectors rely on ids, form actions and data attributes, not on wording."""

import pytest
from playwright.sync_api import expect

from certification.models import Certificate
from imports import reading, samples
from imports.kinds import get_kind
from imports.models import ImportBatch

from .conftest import TIMEOUT_MS

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

expect.set_options(timeout=TIMEOUT_MS)


def test_body_staff_upload_preview_confirm_and_see_the_progress_bar_finish(
    demo_data, people, celery_worker_process, tmp_path
):
    records = samples.legacy_certificates(20, start=200)
    path = tmp_path / "so-giay-chung-nhan-cu.xlsx"
    path.write_bytes(reading.rows_xlsx(get_kind("certificates"), records))

    staff = people.window("cbstaff")
    staff.goto("/imports/")
    staff.locator('a[href="/imports/certificates/"]').first.click()
    staff.locator('input[name="file"]').set_input_files(str(path))
    with staff.expect_navigation():
        staff.locator('form[enctype="multipart/form-data"] button[type="submit"]').click()

    # The preview: every row to create, nothing stored yet.
    expect(staff.locator('#import-report tr[data-action="created"]')).to_have_count(20)
    assert not Certificate.objects.filter(number=records[0]["number"]).exists()

    with staff.expect_navigation():
        staff.locator("#confirm-import").click()
    # The bar is shown at once; the page follows the worker and shows the end.
    expect(staff.locator("#import-progress")).to_be_visible()
    expect(staff.locator('#import-status[data-state="done"]')).to_be_visible()
    expect(staff.locator("#import-progress")).to_have_attribute("aria-valuenow", "100")

    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.DONE and batch.created == 20
    assert Certificate.objects.filter(number__in=[r["number"] for r in records]).count() == 20

    visitor = people.window()
    visitor.goto(f"/verify/{records[-1]['number']}/")
    expect(visitor.locator("main")).to_contain_text(records[-1]["holder_name"])
