"""What a newcomer sees when `make demo` prepares the demo: the management commands run in
their own process on a scratch SQLite database, exactly as the Makefile runs them."""

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from documents.tests.qr import decode_qr

ROOT = Path(__file__).resolve().parents[1]
ACCOUNTS = ("admin", "enterprise", "enterprise2", "cbstaff", "lead", "assessor", "decider")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """migrate, import_checklists and seed_demo as `make demo PORT=8123` runs them; returns
    each command's combined output (stdout and stderr, as the terminal shows them)."""
    tmp = tmp_path_factory.mktemp("demo")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "CELERY_", "EMAIL_", "SITE_URL", "CACHE_URL"))
    }
    env.update(
        DEBUG="1",
        SERVE_HOST="127.0.0.1",
        SERVE_PORT="8123",
        DATABASE_URL=f"sqlite:///{tmp / 'demo.sqlite3'}",
        MEDIA_ROOT=str(tmp / "media"),
        PYTHONWARNINGS="default",
    )

    def run(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout
        return result.stdout

    outputs = {
        "migrate": run("migrate", "--noinput", "-v", "0"),
        "import_checklists": run("import_checklists"),
        "seed_demo": run("seed_demo", "--mail-dir", str(tmp / "mail")),
    }
    return {"outputs": outputs, "tmp": tmp}


def test_seed_demo_ends_with_a_short_summary_and_no_warning(demo):
    output = demo["outputs"]["seed_demo"]
    lines = output.strip().splitlines()

    assert len(lines) < 40, output
    assert "WARNING" not in output and "Warning" not in output
    assert "Mở http://127.0.0.1:8123/ và đăng nhập bằng:" in output
    for username in ACCOUNTS:
        assert any(line.split()[:1] == [username] for line in lines), username
    assert "Mật khẩu của mọi tài khoản minh họa: demo-Pass-2026" in output
    assert "Đã được chứng nhận" in output  # what the demo data holds


def test_the_demo_emails_go_to_a_folder_not_the_terminal(demo):
    output = demo["outputs"]["seed_demo"]
    mail = list((demo["tmp"] / "mail").iterdir())

    assert mail, "the demo's notifications were e-mailed somewhere"
    assert "Subject:" not in output
    assert any("Subject:" in path.read_text(encoding="utf-8") for path in mail)


def test_the_management_commands_speak_vietnamese_by_default(demo):
    output = demo["outputs"]["import_checklists"]

    # System v1, surveillance v1 and v2 (the audit programme's checklist).
    assert "Đã nhập: 3 mới, 0 thay đổi, 0 giữ nguyên." in output
    assert "phiên bản mẫu mới" in output
    for english in ("Imported", "new template version", "unchanged", "items in"):
        assert english not in output
    assert demo["outputs"]["migrate"] == ""


def test_the_demo_certificate_points_at_the_port_the_demo_serves_on(demo):
    """SITE_URL follows `make demo PORT=…` when it is not set: the QR code of the demo's
    certificate (decoded from the generated .docx) opens the running server."""
    documents = [
        path
        for path in (demo["tmp"] / "media").rglob("*.docx")
        if "GIẤY CHỨNG NHẬN" in _docx_text(path)
    ]
    assert documents, "the demo's certificate document was generated"
    with zipfile.ZipFile(documents[0]) as archive:
        images = [archive.read(n) for n in archive.namelist() if n.startswith("word/media/")]
    urls = [decode_qr(png) for png in images]

    assert len(urls) == 1
    assert urls[0].startswith("http://127.0.0.1:8123/verify/")
    assert urls[0].endswith("/")


def _docx_text(path: Path) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(io.BytesIO(path.read_bytes())).paragraphs)
