"""The demo's two EPCIS documents: the coffee enterprise's passes, the durian enterprise's
fails with its gaps named (a missing receiving event, a 5 % mass difference), through the
API and the page, both when seed_demo loads them and when an assessor uploads them."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from core.models import User
from core.tests.api_helpers import API, api_as
from tracing.demo import DEMO_TRACES, FIXTURES
from tracing.models import TraceAnalysis

pytestmark = pytest.mark.django_db

COFFEE = DEMO_TRACES["5900432185"]
DURIAN = DEMO_TRACES["5901187641"]
DURIAN_REASONS = [
    "Đầu vào GTIN 08934588020001 · lot SR-RAW-014B của sự kiện chế biến #1 không có sự kiện "
    "tiếp nhận (hoặc khởi tạo): không truy được nhà cung cấp và địa điểm nguồn.",
    "Cân đối khối lượng của GTIN 08934588020018 · lot SR-2026-014 theo KGM: vào 1000, ra 950, "
    "chênh lệch 5 % (dung sai 2 %).",
]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def test_seed_demo_records_a_passing_and_a_failing_trace_test_from_epcis(client):
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", "--force", stdout=quiet)
    coffee = TraceAnalysis.objects.get(lot=COFFEE[2])
    durian = TraceAnalysis.objects.get(lot=DURIAN[2])
    assert coffee.result == "pass" and coffee.trace_test.result == "pass"
    assert durian.result == "fail" and durian.trace_test.result == "fail"
    assert durian.trace_test.finding.severity == "major"

    lead = User.objects.get(username="lead")
    api = api_as(lead)
    body = api.get(f"{API}/trace-analyses/{durian.pk}/", HTTP_ACCEPT_LANGUAGE="vi").json()
    assert body["result"] == "fail"
    assert body["reasons"] == DURIAN_REASONS
    assert {p["code"] for p in body["proposals"]} == {"receiving_missing", "mass_balance"}
    coffee_body = api.get(f"{API}/trace-analyses/{coffee.pk}/").json()
    assert coffee_body["result"] == "pass" and coffee_body["reasons"] == []
    assert coffee_body["data"]["forward"]["customers"] == [
        "GLN 8935001000013",
        "GLN 8935002000012",
    ]

    client.force_login(lead)
    page = client.get(f"/trace-analyses/{durian.pk}/")
    assert page.status_code == 200
    for reason in DURIAN_REASONS:
        assert reason in page.text
    assert "alert-success" in client.get(f"/trace-analyses/{coffee.pk}/").text


@pytest.mark.parametrize(
    ("demo", "result", "codes"),
    [(COFFEE, "pass", set()), (DURIAN, "fail", {"receiving_missing", "mass_balance"})],
)
def test_the_demo_documents_uploaded_through_the_api(audit, member, demo, result, codes):
    name, gtin, lot = demo
    api = api_as(member)
    uploaded = api.post(
        f"{API}/audits/{audit.pk}/epcis-documents/",
        {"file": SimpleUploadedFile(name, (FIXTURES / name).read_bytes())},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.json()
    traced = api.post(
        f"{API}/epcis-documents/{uploaded.json()['id']}/analyses/",
        {"gtin": gtin, "lot": lot},
        format="json",
    ).json()
    assert traced["result"] == result
    assert {g["code"] for g in traced["data"]["gaps"]} == codes
