"""Draw docs/screenshots/signed-certificate.png: the sample certificate rendered, signed with a
throw-away demo key, and its page rasterised by poppler's pdftoppm (a docs artefact: the
project itself renders and signs PDFs without any system program).

Run: `.venv/bin/python docs/signed_certificate_png.py` (needs pdftoppm from poppler-utils).
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "screenshots" / "signed-certificate.png"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from documents.generation.certificate_pdf import render_certificate_pdf
    from signing import demo
    from signing.pdf import KeptKeySigner, sign_pdf
    from signing.sample import sample_certificate

    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm is missing: apt-get install -y poppler-utils")
    ca_key, ca = demo.make_ca()
    key, certificate = demo.issue_signing_certificate(
        organisation="Trung tâm Chứng nhận Phù hợp Gia Lai",
        common_name=f"GLCERT ({demo.DEMO_MARK})",
        ca_key=ca_key,
        ca_certificate=ca,
    )
    with tempfile.TemporaryDirectory() as folder:
        p12 = Path(folder) / "demo.p12"
        p12.write_bytes(demo.pkcs12_bytes(key, certificate, [ca]))
        signed = sign_pdf(
            render_certificate_pdf(sample_certificate(), demo=True),
            signer=KeptKeySigner.load_pkcs12(str(p12)),
            reason="Giấy chứng nhận GLCERT-TXNG-2026-0001",
            location="Gia Lai",
            name="Võ Quang Vinh",
        )
        pdf = Path(folder) / "certificate.pdf"
        pdf.write_bytes(signed)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(OUTPUT.with_suffix(""))],
            check=True,
        )
    sys.stdout.write(f"{OUTPUT.relative_to(ROOT)}\n")


if __name__ == "__main__":
    main()
