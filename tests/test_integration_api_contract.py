"""The contract as an integrator meets it: a Python client generated from the live schema
(openapi-python-client) runs a scripted integration against a live server seeded with the
demo data, and every response is validated against the same schema (openapi-core).

The script: a token; lists synchronised with `updated_since`; a refused transition read as a
typed error; an upload and its download; the bulk certificate lookup. The generator must
report no warning, and no response may differ from the schema."""

import datetime
import importlib
import io
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import requests
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- openapi-core over httpx (the generated client's transport) ------------------------------


class _Request:
    """openapi-core's request protocol for an httpx.Request."""

    def __init__(self, request: httpx.Request) -> None:
        self.host_url = f"{request.url.scheme}://{request.url.netloc.decode()}"
        self.path = request.url.path
        self.method = request.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(request.url.params.multi_items()),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )
        self.content_type = request.headers.get("content-type", "")
        try:
            self.body = request.content
        except httpx.RequestNotRead:  # a streamed (multipart) body: only responses are checked
            self.body = b""


class _Response:
    """openapi-core's response protocol for an httpx.Response."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "").split(";")[0].strip()
        self.headers = Headers(list(response.headers.items()))
        self.data = response.content


class Recorder:
    """Validates every response the client receives; keeps what did not match."""

    def __init__(self, schema: dict) -> None:
        self.openapi = OpenAPI.from_dict(schema)
        self.seen: list[str] = []
        self.mismatches: list[str] = []

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        label = f"{response.request.method} {response.request.url.path} → {response.status_code}"
        self.seen.append(label)
        try:
            self.openapi.validate_response(_Request(response.request), _Response(response))
        except Exception as exc:  # every kind of mismatch is reported, not only the first
            self.mismatches.append(f"{label}: {exc!r} {getattr(exc, '__cause__', '')!r}")


# --- generating the client ---------------------------------------------------------------------


def _generate(schema_path: Path, out: Path) -> tuple[Path, str]:
    """Run the generator; returns the package folder and everything it printed."""
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("openapi-python-client")),
            "generate",
            "--path",
            str(schema_path),
            "--output-path",
            str(out),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        # Its post-generation hooks run `ruff` from the same environment.
        env={
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        },
    )
    printed = result.stdout + result.stderr
    assert result.returncode == 0, printed
    (package,) = [p for p in out.iterdir() if (p / "client.py").exists()] or [out]
    return package, printed


def _operation(package: str, name: str):
    """The generated module of operation `name` (whatever tag folder it is in)."""
    base = importlib.import_module(package)
    (path,) = Path(base.__file__).parent.glob(f"api/*/{name}.py")
    return importlib.import_module(f"{package}.api.{path.parent.name}.{name}")


# The collections besides certificates and applications (each with `updated_since`).
LIST_OPERATIONS = [
    "organizations_list",
    "schemes_list",
    "checklist_templates_list",
    "audits_list",
    "assessor_qualifications_list",
    "registrations_list",
    "complaints_list",
    "findings_list",
    "decisions_list",
    "appeals_list",
    "documents_list",
    "notifications_list",
    "webhooks_list",
]


@pytest.fixture
def contract_settings(settings):
    settings.AXES_ENABLED = False
    cache.clear()


def test_a_generated_client_runs_the_scripted_integration_and_every_response_matches(
    live_server, tmp_path, contract_settings
):
    call_command("import_checklists", stdout=io.StringIO())
    call_command("seed_demo", "--force", stdout=io.StringIO())
    schema = requests.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=30)
    assert schema.status_code == 200
    schema_path = tmp_path / "schema.json"
    schema_path.write_bytes(schema.content)

    package_dir, printed = _generate(schema_path, tmp_path / "client")
    assert "warning" not in printed.lower(), printed
    compiled = subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(package_dir)], capture_output=True
    )
    assert compiled.returncode == 0, compiled.stdout
    sys.path.insert(0, str(package_dir.parent))
    try:
        _integrate(package_dir.name, live_server.url, Recorder(schema.json()))
    finally:
        sys.path.remove(str(package_dir.parent))
        for name in [m for m in sys.modules if m.split(".")[0] == package_dir.name]:
            del sys.modules[name]


def _integrate(package: str, base_url: str, recorder: Recorder) -> None:
    client_module = importlib.import_module(f"{package}.client")
    models = importlib.import_module(f"{package}.models")
    types = importlib.import_module(f"{package}.types")
    hooks = {"event_hooks": {"response": [recorder]}}
    anonymous = client_module.Client(base_url=base_url, httpx_args=hooks)

    # 1. A token for the body's officer (generated clients send `Bearer <token>`).
    token = _operation(package, "auth_token_create").sync(
        client=anonymous,
        body=models.CredentialsRequest(username="cbstaff", password=django_settings.DEMO_PASSWORD),
    )
    assert isinstance(token, models.Token)
    api = client_module.AuthenticatedClient(base_url=base_url, token=token.token, httpx_args=hooks)

    # 2. Synchronisation: everything once, then only what changed since.
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    certificates_list = _operation(package, "certificates_list")
    ordering = models.CertificatesListOrdering("updated_at")
    first = certificates_list.sync(client=api, updated_since=since, ordering=ordering)
    assert first.count >= 1 and first.page == 1
    certificate = first.results[0]
    later = certificates_list.sync(
        client=api,
        updated_since=datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5),
        ordering=ordering,
    )
    assert later.count == 0 and later.results == []
    applications = _operation(package, "applications_list").sync(
        client=api, updated_since=since, page_size=1
    )
    assert applications.count >= 2 and applications.next_page == 2

    # 3. A refused transition read as a typed error: an active certificate is not reinstated.
    refused = _operation(package, "certificates_transitions_reinstate_create").sync_detailed(
        id=certificate.id,
        client=api,
        body=models.CertificateReinstateRequest(comment="Đã khắc phục."),
    )
    assert refused.status_code == 409
    assert isinstance(refused.parsed, models.Error)
    assert refused.parsed.code == models.ErrorCode.INVALID_STATE
    assert refused.parsed.detail

    # 4. An upload, then its download (bytes, as sent).
    uploaded = _operation(package, "documents_create").sync(
        client=api,
        body=models.UploadRequest(
            owner_type=models.OwnerTypeEnum("certificate"),
            owner_id=certificate.id,
            doc_type=models.DocTypeEnum("general"),
            file=types.File(
                payload=io.BytesIO(PDF), file_name="quy-trinh.pdf", mime_type="application/pdf"
            ),
        ),
    )
    assert isinstance(uploaded, models.Document), uploaded
    downloaded = _operation(package, "documents_download_retrieve").sync_detailed(
        id=uploaded.id, client=api
    )
    assert downloaded.status_code == 200
    assert downloaded.content == PDF

    # 4b. The certificate's generated .docx (generated here, where the live server's files
    # are: the demo's grant queued it for a worker this test does not run).
    from documents.services import document_generate_certificate

    document_generate_certificate(certificate_id=certificate.id)
    docx = _operation(package, "certificates_document_retrieve").sync_detailed(
        id=certificate.id, client=api
    )
    assert docx.status_code == 200 and docx.content.startswith(b"PK")

    # 4c. Every other collection, synchronised the same way, and the reads beside them.
    for name in LIST_OPERATIONS:
        page = _operation(package, name).sync_detailed(client=api, updated_since=since)
        assert page.status_code == 200, (name, page.content)
    for name in ("me_retrieve", "reports_summary_retrieve"):
        assert _operation(package, name).sync_detailed(client=api).status_code == 200
    for name in ("certificates_transitions_list", "certificates_history_list"):
        answer = _operation(package, name).sync_detailed(id=certificate.id, client=api)
        assert answer.status_code == 200, (name, answer.content)
    public = _operation(package, "public_certificates_retrieve").sync(
        number=certificate.number, client=anonymous
    )
    assert public.number == certificate.number

    # 5. The bulk lookup (anonymous): one known number, one unknown.
    looked_up = _operation(package, "public_certificates_lookup_create").sync(
        client=anonymous,
        body=models.PublicLookupRequest(numbers=[certificate.number, "NOPE-TXNG-2026-9999"]),
    )
    assert (looked_up.count, looked_up.found) == (2, 1)
    known, unknown = looked_up.results
    assert known.found and known.certificate.number == certificate.number
    assert isinstance(known.certificate.scope, models.PublicScope)
    assert not unknown.found and unknown.certificate is None

    assert len(recorder.seen) >= 25, recorder.seen
    assert recorder.mismatches == [], "\n".join(recorder.mismatches)
