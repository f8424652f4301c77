"""The checklist page as an installable web app: manifest, service worker, the script's
configuration without inline script, answer states, photos, conflicts shown to the lead."""

import json
import re
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.evidence import evidence_store
from checklists.selectors import applicable_items
from checklists.services import checklist_save_answers
from checklists.sync import checklist_sync, sync_device_report
from checklists.tests.test_evidence import jpeg_bytes

pytestmark = pytest.mark.django_db


def page(client, user, audit):
    client.force_login(user)
    response = client.get(f"/audits/{audit.pk}/checklist/")
    assert response.status_code == 200
    return response.text


def test_the_page_has_no_inline_script_and_passes_its_configuration_as_json(client, stage1, member):
    text = page(client, member, stage1)

    scripts = re.findall(r"<script\b[^>]*>", text)
    assert scripts
    for tag in scripts:
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", text)  # no inline event handlers
    config = json.loads(re.search(r'id="checklist-config"[^>]*>(.*?)</script>', text, re.S)[1])
    assert config["audit"] == stage1.pk and config["editable"] is True
    assert config["syncUrl"] == f"/api/v1/audits/{stage1.pk}/checklist/sync/"
    assert f"/audits/{stage1.pk}/checklist/" in config["offlineUrls"]
    assert 'rel="manifest"' in text
    assert "Chưa đồng bộ" in text and "Đồng bộ ngay" in text and "Tải về để làm ngoại tuyến" in text


def test_the_manifest_and_service_worker_use_the_projects_own_static_files(client, member):
    client.force_login(member)
    manifest = client.get("/audits/manifest.webmanifest")
    assert manifest.status_code == 200
    data = json.loads(manifest.content)
    assert data["display"] == "standalone" and data["scope"] == "/audits/"
    for icon in data["icons"]:
        assert icon["src"].startswith("/static/")
        assert finders.find(icon["src"].removeprefix("/static/"))

    worker = client.get("/audits/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("application/javascript")
    assert worker["Service-Worker-Allowed"] == "/audits/"
    assets = re.findall(r'"(/static/[^"]+)"', worker.content.decode())
    assert "/static/checklists/checklist.js" in assets
    for asset in assets:  # every asset exists locally: nothing from a CDN
        assert finders.find(asset.removeprefix("/static/")), asset
    assert "http://" not in worker.content.decode() and "https://" not in worker.content.decode()


def test_each_item_shows_its_state_and_photos(client, stage1, member, lead_assessor):
    items = applicable_items(stage1)
    checklist_save_answers(
        audit=stage1, answers=[{"item": items[0].pk, "result": "conform"}], by=lead_assessor
    )
    photo = evidence_store(
        audit=stage1, content=jpeg_bytes(), filename="a.jpg", by=member, item=items[0].pk
    )

    text = page(client, member, stage1)

    assert f'data-item="{items[0].pk}" data-code="{items[0].code}" data-version="1"' in text
    assert 'data-state="saved"' in text
    assert f"/api/v1/evidence/{photo.pk}/thumbnail/" in text


def test_the_lead_sees_conflicts_and_the_devices_still_holding_changes(
    client, stage1, member, lead_assessor
):
    item = applicable_items(stage1)[0]
    checklist_save_answers(
        audit=stage1, answers=[{"item": item.pk, "result": "conform"}], by=lead_assessor
    )
    checklist_sync(
        audit=stage1,
        changes=[{"key": str(uuid.uuid4()), "item": item.pk, "result": "observation"}],
        by=member,
    )
    sync_device_report(audit=stage1, device=uuid.uuid4(), pending=2, by=member)

    lead_page = page(client, lead_assessor, stage1)
    assert 'id="conflicts"' in lead_page and 'data-choice="take"' in lead_page
    assert 'id="devices-waiting"' in lead_page
    member_page = page(client, member, stage1)
    assert 'id="conflicts"' not in member_page  # only the lead chooses
    assert 'data-state="conflict"' in member_page


def test_the_page_queries_do_not_grow_with_photos_and_conflicts(client, stage1, member):
    items = applicable_items(stage1)
    client.force_login(member)
    url = f"/audits/{stage1.pk}/checklist/"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for item in items[:4]:
        evidence_store(
            audit=stage1, content=jpeg_bytes(), filename="a.jpg", by=member, item=item.pk
        )
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_report_refusal_says_what_waits(client, stage1, member, lead_assessor):
    checklist_save_answers(
        audit=stage1,
        answers=[{"item": i.pk, "result": "conform"} for i in applicable_items(stage1)],
        by=lead_assessor,
    )
    sync_device_report(audit=stage1, device=uuid.uuid4(), pending=1, by=member)
    client.force_login(lead_assessor)

    detail = client.get(f"/audits/{stage1.pk}/").text

    assert "chờ đồng bộ" in detail


def test_a_finding_shows_its_photos_and_takes_more_through_the_queue(
    client, stage1, member, enterprise_user
):
    from audits.services import finding_raise

    finding = finding_raise(audit=stage1, by=member, severity="observation", description="Quan sát")
    photo = evidence_store(
        audit=stage1, content=jpeg_bytes(), filename="a.jpg", by=member, finding=finding.pk
    )
    client.force_login(member)

    text = client.get(f"/findings/{finding.pk}/").text

    assert f"/api/v1/evidence/{photo.pk}/thumbnail/" in text
    assert "28/11/2026" in text  # when the photo was taken (EXIF)
    assert f'data-finding="{finding.pk}"' in text and 'id="checklist-config"' in text
    client.force_login(enterprise_user)
    seen = client.get(f"/findings/{finding.pk}/").text
    assert f"/api/v1/evidence/{photo.pk}/thumbnail/" in seen
    assert 'id="checklist-config"' not in seen  # the enterprise looks, it does not add
