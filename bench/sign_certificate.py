"""Benchmark row: signing a certificate (performance target: at most 300 ms).

What the worker does for one certificate, minus the database: render the PDF/A page
(fpdf2, Be Vietnam Pro, QR code) and sign it (PAdES, pyHanko, RSA-2048 PKCS#12 key). The
certificate is built in memory, so the row needs no database and no server.

Standalone: `python bench/sign_certificate.py` prints the row; `signing_row()` returns it for
bench/run.py.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 300
RUNS = 15
WARMUP = 2


def signing_row() -> dict:
    """The benchmark row: median milliseconds to render and sign one certificate."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from documents.generation.certificate_pdf import render_certificate_pdf
    from signing import demo
    from signing.pdf import KeptKeySigner, sign_pdf
    from signing.sample import sample_certificate

    ca_key, ca = demo.make_ca()
    key, certificate = demo.issue_signing_certificate(
        organisation="GLCERT", common_name="GLCERT bench", ca_key=ca_key, ca_certificate=ca
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.p12"
        path.write_bytes(demo.pkcs12_bytes(key, certificate, [ca]))
        signer = KeptKeySigner.load_pkcs12(str(path))
    face = sample_certificate()
    samples, walls = [], []
    for i in range(RUNS + WARMUP):
        started, wall = time.process_time(), time.perf_counter()
        signed = sign_pdf(
            render_certificate_pdf(face),
            signer=signer,
            reason="Giấy chứng nhận",
            location="Gia Lai",
            name="Võ Quang Vinh",
        )
        elapsed = (time.process_time() - started) * 1000
        assert signed.startswith(b"%PDF-")
        if i >= WARMUP:
            samples.append(elapsed)
            walls.append((time.perf_counter() - wall) * 1000)
    value = statistics.median(samples)
    return {
        "name": "sign_certificate_pdf_cpu_p50",
        "value": round(value, 1),
        "wall_p50": round(statistics.median(walls), 1),
        "unit": "ms",
        "target": TARGET_MS,
        "ok": value <= TARGET_MS,
    }


if __name__ == "__main__":
    row = signing_row()
    sys.stdout.write(f"{row}\n")
    sys.exit(0 if row["ok"] else 1)
