"""Import of existing certificates: dry run, confirmation, idempotency, numbering, history,
public page, register export and reminders."""

import datetime
import hashlib

import pytest
from django.urls import reverse

from certification.models import Application, Certificate, Organisation
from certification.services.certificates import certificate_number
from core.clock import today
from core.models import LogEntry, OutboxMessage
from imports import samples
from imports.models import ImportBatch
from imports.services import import_confirm, import_preview, import_run
from imports.tests.conftest import csv_file, xlsx_file

pytestmark = pytest.mark.django_db


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def record(n: int = 1, **changes) -> dict:
    """A valid legacy certificate of GLCERT, valid now."""
    issued = today() - datetime.timedelta(days=400 + n)
    values = {
        "number": f"GLCERT-TXNG-{issued.year}-{40 + n:04d}",
        "holder_tax_code": samples.tax_code(n),
        "holder_name": f"Hợp tác xã Cà phê {n}",
        "holder_address": "Thôn 3, xã Ia Blang",
        "holder_province": "gia-lai",
        "products": "Cà phê nhân (8930000000019); Cà phê bột",
        "sites": "Vùng trồng | xã Ia Blang",
        "stages": "Trồng trọt / chăn nuôi; processing",
        "issued_on": _d(issued),
        "valid_until": _d(issued + datetime.timedelta(days=3 * 365)),
        "decision": f"{100 + n}/{issued.year}/QĐ-GLCERT",
    }
    values.update(changes)
    return values


def upload(client, records, name="gcn-cu.csv", fmt="csv", kind="certificates", **extra):
    file = (csv_file if fmt == "csv" else xlsx_file)(kind, records, name)
    return client.post(reverse("imports:upload", args=[kind]), {"file": file, **extra})


def confirm(client, batch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:batch_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    return response


def test_a_valid_file_is_previewed_without_storing_then_imported_on_confirmation(
    client, cb_staff, body, scheme, django_capture_on_commit_callbacks
):
    client.force_login(cb_staff)
    response = upload(client, [record(1), record(2)], fmt="xlsx", name="so-gcn.xlsx")
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "GLCERT-TXNG" in text and 'id="confirm-import"' in text
    assert (batch.created, batch.refused) == (2, 0)
    # Nothing stored by the dry run.
    assert not Certificate.objects.exists()
    assert not Organisation.objects.filter(name__startswith="Hợp tác xã").exists()

    confirm(client, batch, django_capture_on_commit_callbacks)
    assert batch.state == ImportBatch.State.DONE
    certificate = Certificate.objects.get(number=record(1)["number"])
    assert certificate.state == Certificate.State.ACTIVE
    assert certificate.body == body and certificate.scheme == scheme
    assert certificate.enterprise.name == "Hợp tác xã Cà phê 1"
    assert certificate.products[0] == {"name": "Cà phê nhân", "gtin": "8930000000019"}
    assert certificate.stages == ["primary_production", "processing"]
    assert certificate.decision.number == record(1)["decision"]
    assert certificate.application.state == Application.State.CERTIFIED
    # The next surveillance is computed in the cycle, after today.
    assert today() < certificate.next_surveillance_due <= certificate.valid_until


def test_each_imported_certificate_has_an_imported_history_entry_with_file_and_checksum(
    client, cb_staff, body, scheme, django_capture_on_commit_callbacks
):
    client.force_login(cb_staff)
    file = csv_file("certificates", [record(1)], "gcn-2024.csv")
    digest = hashlib.sha256(file.read()).hexdigest()
    file.seek(0)
    client.post(reverse("imports:upload", args=["certificates"]), {"file": file})
    confirm(client, ImportBatch.objects.get(), django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get()
    entry = LogEntry.objects.for_object(certificate).get()
    assert entry.transition == "imported"
    assert entry.actor == cb_staff and entry.target_state == "active"
    assert entry.data["file"] == "gcn-2024.csv" and entry.data["sha256"] == digest
    page = client.get(reverse("certification:certificate_detail", args=[certificate.pk]))
    assert f"gcn-2024.csv (SHA-256 {digest})" in page.content.decode()


def test_a_file_with_one_bad_row_stores_nothing_and_shows_row_column_and_reason(
    client, cb_staff, body, scheme, django_capture_on_commit_callbacks
):
    client.force_login(cb_staff)
    bad = record(2, holder_tax_code="0100233489")  # wrong check digit
    upload(client, [record(1), bad, record(3)])
    batch = ImportBatch.objects.get()
    assert (batch.created, batch.refused) == (2, 1)
    line = next(r for r in batch.report if r["action"] == "refused")
    assert line["row"] == 4  # two header rows, then rows 3, 4, 5
    assert line["errors"][0]["column"] == "holder_tax_code"
    page = client.get(reverse("imports:batch_detail", args=[batch.pk]))
    text = page.content.decode()
    assert 'data-row="4" data-action="refused"' in text
    assert "Mã số thuế" in text  # the column, by its header in the template
    response = confirm(client, batch, django_capture_on_commit_callbacks)
    assert response.status_code == 409
    assert batch.state == ImportBatch.State.PREVIEWED
    assert not Certificate.objects.exists() and not Application.objects.exists()


def test_rows_refused_for_their_dates_and_state(cb_staff, body, scheme):
    past = today() - datetime.timedelta(days=10)
    rows = [
        record(1, valid_until=_d(past), state="còn hiệu lực"),  # ended: not active
        record(2, valid_until=_d(today() - datetime.timedelta(days=900))),  # ends before start
        record(3, stages="bay"),
        record(4, issued_on="31/02/2024"),
        record(5, decision=""),
    ]
    batch = import_preview(
        kind="certificates", upload=csv_file("certificates", rows), by=cb_staff, body=body
    )
    columns = [r["errors"][0]["column"] for r in batch.report]
    assert columns == ["state", "valid_until", "stages", "issued_on", "decision"]


def test_the_same_file_twice_changes_nothing(
    client, cb_staff, body, scheme, django_capture_on_commit_callbacks
):
    client.force_login(cb_staff)
    rows = [record(1), record(2)]
    upload(client, rows)
    confirm(client, ImportBatch.objects.get(), django_capture_on_commit_callbacks)
    counts = (
        Certificate.objects.count(),
        Organisation.objects.count(),
        LogEntry.objects.exclude(content_type__model="importbatch").count(),
    )
    upload(client, rows)
    second = ImportBatch.objects.latest("pk")
    assert (second.created, second.unchanged, second.refused) == (0, 2, 0)
    confirm(client, second, django_capture_on_commit_callbacks)
    assert second.state == ImportBatch.State.DONE
    assert counts == (
        Certificate.objects.count(),
        Organisation.objects.count(),
        LogEntry.objects.exclude(content_type__model="importbatch").count(),
    )


def test_a_known_number_with_other_data_is_refused(
    cb_staff, body, scheme, django_capture_on_commit_callbacks
):
    batch = import_preview(
        kind="certificates", upload=csv_file("certificates", [record(1)]), by=cb_staff, body=body
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_confirm(batch=batch, by=cb_staff)
    changed = record(1, valid_until=_d(today() + datetime.timedelta(days=2000)))
    again = import_preview(
        kind="certificates", upload=csv_file("certificates", [changed]), by=cb_staff, body=body
    )
    assert again.report[0]["action"] == "refused"
    assert again.report[0]["errors"][0]["column"] == "number"


def test_imported_numbers_are_kept_and_the_series_continues_after_the_highest(
    cb_staff, body, scheme, django_capture_on_commit_callbacks
):
    year = today().year
    rows = [
        record(1, number=f"GLCERT-TXNG-{year}-0007", issued_on=_d(today())),
        record(2, number=f"GLCERT-TXNG-{year}-0003", issued_on=_d(today())),
        record(3, number="123/2019/GCN-GL"),  # a legacy number outside the series
    ]
    batch = import_preview(
        kind="certificates", upload=csv_file("certificates", rows), by=cb_staff, body=body
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_confirm(batch=batch, by=cb_staff)
    assert set(Certificate.objects.values_list("number", flat=True)) == {r["number"] for r in rows}
    assert certificate_number(body.code, year) == f"GLCERT-TXNG-{year}-0008"


def test_another_bodys_numbers_are_refused_and_its_staff_cannot_import_here(
    client, cb_staff, body, other_body, other_staff, scheme
):
    batch = import_preview(
        kind="certificates",
        upload=csv_file("certificates", [record(1, number="KTCERT-TXNG-2024-0001")]),
        by=cb_staff,
        body=body,
    )
    assert batch.report[0]["errors"][0]["column"] == "number"
    assert "KTCERT" in batch.report[0]["errors"][0]["message"]
    client.force_login(other_staff)
    response = upload(client, [record(2)], scope=f"body:{body.pk}")
    assert response.status_code == 403
    assert ImportBatch.objects.count() == 1  # only the first preview
    detail = client.get(reverse("imports:batch_detail", args=[batch.pk]))
    assert detail.status_code == 404
    confirm_other = client.post(reverse("imports:batch_confirm", args=[batch.pk]))
    assert confirm_other.status_code == 404


def test_an_imported_active_certificate_is_public_by_number_and_qr_url_and_in_the_register(
    client, cb_staff, regulator, body, scheme, django_capture_on_commit_callbacks
):
    batch = import_preview(
        kind="certificates", upload=csv_file("certificates", [record(1)]), by=cb_staff, body=body
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_confirm(batch=batch, by=cb_staff)
    number = record(1)["number"]
    search = client.get(reverse("certification:verify_search"), {"number": number}, follow=True)
    assert number in search.content.decode()
    page = client.get(f"/verify/{number}/")  # the URL the QR code holds
    assert page.status_code == 200
    assert "Hợp tác xã Cà phê 1" in page.content.decode()
    client.force_login(regulator)
    export = client.get(reverse("oversight:register_export", args=["csv"]))
    assert number in b"".join(export.streaming_content).decode("utf-8-sig")
    # Queued for the national portal like any issued certificate.
    assert OutboxMessage.objects.filter(kind="portal.queue").count() == 1


def test_expiry_and_surveillance_reminders_start_for_imported_certificates(
    cb_staff, body, scheme, enterprise_user, django_capture_on_commit_callbacks
):
    from notifications.models import Notification
    from notifications.reminders import remind_certificates_expiring, remind_surveillance_due

    soon = today() + datetime.timedelta(days=20)
    rows = [
        record(1, valid_until=_d(soon)),
        record(2, next_surveillance_due=_d(today() + datetime.timedelta(days=10))),
    ]
    batch = import_preview(
        kind="certificates", upload=csv_file("certificates", rows), by=cb_staff, body=body
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_confirm(batch=batch, by=cb_staff)
    assert remind_certificates_expiring(today()) >= 1
    assert remind_surveillance_due(today()) >= 1
    texts = " ".join(
        Notification.objects.filter(recipient=cb_staff).values_list("title", flat=True)
    )
    assert rows[0]["number"] in texts and rows[1]["number"] in texts


def test_a_change_between_preview_and_confirmation_fails_the_import_and_stores_nothing(
    cb_staff, body, scheme, django_capture_on_commit_callbacks
):
    first = import_preview(
        kind="certificates", upload=csv_file("certificates", [record(1)]), by=cb_staff, body=body
    )
    second = import_preview(
        kind="certificates",
        upload=csv_file("certificates", [record(1), record(2)]),
        by=cb_staff,
        body=body,
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_confirm(batch=first, by=cb_staff)
    with django_capture_on_commit_callbacks(execute=True):
        import_confirm(batch=second, by=cb_staff)
    second.refresh_from_db()
    # Row 1 is there now: unchanged, not refused; row 2 is created.
    assert second.state == ImportBatch.State.DONE
    assert Certificate.objects.count() == 2
    third = import_preview(
        kind="certificates", upload=csv_file("certificates", [record(3)]), by=cb_staff, body=body
    )
    # Someone issues the same decision reference meanwhile: the whole import fails.
    other = import_preview(
        kind="certificates",
        upload=csv_file("certificates", [record(4, decision=record(3)["decision"])]),
        by=cb_staff,
        body=body,
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_confirm(batch=third, by=cb_staff)
    with django_capture_on_commit_callbacks(execute=True):
        import_confirm(batch=other, by=cb_staff)
    other.refresh_from_db()
    assert other.state == ImportBatch.State.FAILED and other.refused == 1
    assert not Certificate.objects.filter(number=record(4)["number"]).exists()


def test_running_the_import_task_twice_imports_once(
    cb_staff, body, scheme, django_capture_on_commit_callbacks
):
    batch = import_preview(
        kind="certificates", upload=csv_file("certificates", [record(1)]), by=cb_staff, body=body
    )
    with django_capture_on_commit_callbacks(execute=False):
        import_confirm(batch=batch, by=cb_staff)
    assert import_run(batch_id=batch.pk).state == ImportBatch.State.DONE
    assert import_run(batch_id=batch.pk).state == ImportBatch.State.DONE
    assert Certificate.objects.count() == 1
    assert (
        LogEntry.objects.filter(transition="imported", content_type__model="certificate").count()
        == 1
    )


def test_the_status_endpoint_reports_the_finished_import(
    client, cb_staff, body, scheme, django_capture_on_commit_callbacks
):
    client.force_login(cb_staff)
    upload(client, [record(1)])
    batch = ImportBatch.objects.get()
    status = client.get(reverse("imports:batch_status", args=[batch.pk])).json()
    assert (status["state"], status["done"]) == ("previewed", False)
    confirm(client, batch, django_capture_on_commit_callbacks)
    status = client.get(reverse("imports:batch_status", args=[batch.pk])).json()
    assert (status["state"], status["percent"], status["done"], status["created"]) == (
        "done",
        100,
        True,
        1,
    )


def test_the_officer_who_confirms_is_recorded_as_the_importer(
    cb_staff, body, scheme, admin_user, django_capture_on_commit_callbacks
):
    from certification.models import Role
    from certification.tests.factories import UserFactory, grant

    colleague = grant(UserFactory(username="staff-b"), Role.CB_STAFF, body, by=admin_user)
    batch = import_preview(
        kind="certificates", upload=csv_file("certificates", [record(1)]), by=cb_staff, body=body
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_confirm(batch=batch, by=colleague)
    entry = LogEntry.objects.for_object(Certificate.objects.get()).get()
    assert entry.actor == colleague
