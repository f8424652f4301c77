"""`make demo PORT=8123` as a newcomer runs it: a scratch SQLite database, the real Makefile, the
development server in its own process. The page answers on that port, the demo certificate's
QR code opens that port, and the terminal stays short between the install and "serving"."""

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
import zipfile
from pathlib import Path
from queue import Empty, Queue

import docx
import pytest

from documents.tests.qr import decode_qr

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
SERVING = "Quit the server with CONTROL-C."


def _port() -> int:
    """8123 as in the README when it is free, else any free port."""
    for port in (8123, 0):
        with socket.socket() as s, contextlib.suppress(OSError):
            s.bind(("127.0.0.1", port))
            return s.getsockname()[1]
    raise AssertionError("no free port")


def _read_until_serving(process: subprocess.Popen, timeout: float = 300) -> list[str]:
    """The output lines up to the server's "Quit" line. A thread reads whole lines, so a chunk that
    brings several lines at once (the server prints its banner in one write) is never left waiting
    in the pipe's buffer."""
    lines: list[str] = []
    queue: Queue[str | None] = Queue()

    def pump():
        for line in process.stdout:
            queue.put(line)
        queue.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = queue.get(timeout=left)
        except Empty:
            break
        if line is None:
            raise AssertionError("make demo stopped:\n" + "\n".join(lines))
        lines.append(line.rstrip("\n"))
        if SERVING in line:
            return lines
    raise AssertionError("make demo did not start serving:\n" + "\n".join(lines))


def test_make_demo_on_another_port_serves_there_and_its_qr_codes_point_there(tmp_path):
    port = _port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "CELERY_", "EMAIL_", "SITE_URL", "CACHE_URL"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        PYTHONUNBUFFERED="1",
    )
    process = subprocess.Popen(
        ["make", "--no-print-directory", "demo", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        lines = _read_until_serving(process)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
            assert response.status == 200
            assert "TXNG" in response.read().decode()
        url = _qr_of_the_demo_certificate(tmp_path / "media")
        assert url.startswith(f"http://127.0.0.1:{port}/verify/"), url
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
            number = url.rstrip("/").rsplit("/", 1)[-1]
            assert number in response.read().decode()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)

    started = next(i for i, line in enumerate(lines) if line.startswith("Preparing the demo"))
    assert len(lines) - started < 40, "\n".join(lines[started:])


def _qr_of_the_demo_certificate(media: Path) -> str:
    certificates = [
        path
        for path in media.rglob("*.docx")
        if any("GIẤY CHỨNG NHẬN" in p.text for p in docx.Document(str(path)).paragraphs)
    ]
    assert certificates, "the demo certificate's document was generated"
    with zipfile.ZipFile(certificates[0]) as archive:
        (png,) = [archive.read(n) for n in archive.namelist() if n.startswith("word/media/")]
    return decode_qr(png)
