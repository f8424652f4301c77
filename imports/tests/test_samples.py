"""The demo's downloadable templates and the sample file of 20 legacy certificates
(docs/samples, committed) import cleanly into the demo data."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from certification.models import Certificate
from core.models import User
from imports.kinds import KINDS
from imports.models import ImportBatch

SAMPLES = Path(settings.BASE_DIR) / "docs" / "samples"


@pytest.mark.parametrize("code", list(KINDS))
def test_the_committed_templates_have_the_columns_of_their_kind(code):
    kind = KINDS[code]
    sheet = load_workbook(SAMPLES / f"template-{code}.xlsx").worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [c.vi for c in kind.columns]
    assert list(rows[1]) == [c.en for c in kind.columns]
    text = (SAMPLES / f"template-{code}.csv").read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines == [[c.vi for c in kind.columns], [c.en for c in kind.columns]]


@pytest.mark.django_db
def test_the_sample_of_20_legacy_certificates_imports_cleanly_into_the_demo(
    settings, django_capture_on_commit_callbacks
):
    settings.DEMO_PASSWORD = "demo-Pass-2026"
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", "--force", stdout=quiet)
    before = Certificate.objects.count()
    client = Client()
    client.force_login(User.objects.get(username="cbstaff"))
    download = client.get(reverse("imports:sample", args=["xlsx"]))
    content = b"".join(download.streaming_content)
    assert content == (SAMPLES / "legacy-certificates.xlsx").read_bytes()
    response = client.post(
        reverse("imports:upload", args=["certificates"]),
        {"file": SimpleUploadedFile("legacy-certificates.xlsx", content)},
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.created, batch.refused) == (20, 0), batch.report
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:batch_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.DONE
    assert Certificate.objects.count() == before + 20
    # The same certificates as CSV: every row already there.
    again = client.post(
        reverse("imports:upload", args=["certificates"]),
        {
            "file": SimpleUploadedFile(
                "legacy.csv", (SAMPLES / "legacy-certificates.csv").read_bytes()
            )
        },
    )
    assert again.status_code == 302
    assert ImportBatch.objects.latest("pk").unchanged == 20
