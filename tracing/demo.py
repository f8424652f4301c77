"""Demo trace tests read from EPCIS documents (used by seed_demo through demo_workflow).

The coffee enterprise's document (harvest → drying → roasting → packing → shipping to two
customers) passes; the durian enterprise's lacks a receiving event and ships 5 % less than it
packed, so it fails with those reasons named."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Tax code of the demo enterprise → (document, GTIN, lot traced).
DEMO_TRACES = {
    "5900432185": ("coffee_chu_se.jsonld", "8934588012235", "RG-2026-045"),
    "5901187641": ("durian_ia_grai.jsonld", "8934588020018", "SR-2026-014"),
}


def trace_test_from_epcis(*, audit, by):
    """Upload the enterprise's demo EPCIS document to `audit`, trace its lot and record the
    trace test from the analysis. None when the enterprise has no demo document."""
    from tracing.services import epcis_dataset_upload, trace_analyse, trace_test_prefill

    demo = DEMO_TRACES.get(audit.client.tax_code)
    if demo is None:
        return None
    name, gtin, lot = demo
    content = (FIXTURES / name).read_bytes()
    dataset = epcis_dataset_upload(
        audit=audit,
        by=by,
        file=SimpleUploadedFile(name, content, content_type="application/ld+json"),
    )
    analysis = trace_analyse(dataset=dataset, by=by, gtin=gtin, lot=lot)
    return trace_test_prefill(analysis=analysis, by=by)
