import io

import docx
import pytest
from django.core.files.storage import default_storage

from core.models import OutboxMessage
from core.outbox import outbox_deliver_pending, outbox_retry
from core.services import log_transition
from documents.generation.certificate import render_certificate, verification_url
from documents.generation.decision import render_decision
from documents.models import Document
from documents.tasks import generate_certificate_document, generate_decision_document
from documents.tests import factories
from documents.tests.qr import decode_qr

pytestmark = pytest.mark.django_db


def _text(document: docx.Document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def _images(document: docx.Document) -> list[bytes]:
    return [
        part.blob
        for part in document.part.related_parts.values()
        if part.content_type.startswith("image/")
    ]


def test_the_generated_certificate_opens_and_names_the_holder_the_number_and_the_scope(
    issued_certificate,
):
    document = docx.Document(io.BytesIO(render_certificate(issued_certificate)))
    text = _text(document)
    assert "Công ty TNHH Cà phê Chư Sê" in text
    assert "GLCERT-TXNG-2026-0001" in text
    assert "TCVN 12850:2019" in text
    assert "GIẤY CHỨNG NHẬN" in text and "CERTIFICATE" in text
    for expected in ("Cà phê nhân Robusta", "08930000000017", "Nhà máy Chư Sê", "Chế biến"):
        assert expected in text
    assert "05/03/2026" in text and "04/03/2029" in text
    assert issued_certificate.body.registration_number in text
    assert issued_certificate.decision.number in text


def test_the_certificate_is_a4_in_times_new_roman(issued_certificate):
    document = docx.Document(io.BytesIO(render_certificate(issued_certificate)))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert document.styles["Normal"].font.name == "Times New Roman"


def test_the_certificates_qr_code_decodes_to_its_verification_url(issued_certificate, settings):
    document = docx.Document(io.BytesIO(render_certificate(issued_certificate)))
    (png,) = _images(document)
    expected = f"{settings.SITE_URL}/verify/GLCERT-TXNG-2026-0001/"
    assert verification_url(issued_certificate.number) == expected
    assert decode_qr(png) == expected


def test_the_decision_follows_the_administrative_layout(issued_certificate):
    decision = issued_certificate.decision
    document = docx.Document(io.BytesIO(render_decision(decision, issued_certificate)))
    text = _text(document)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Số: {decision.number}",
        "QUYẾT ĐỊNH",
        "Căn cứ",
        "Điều 1.",
        "Điều 2.",
        "Điều 3.",
        "Nơi nhận:",
        "GLCERT-TXNG-2026-0001",
        "Công ty TNHH Cà phê Chư Sê",
        decision.decision_maker.get_full_name(),
        "ngày 05 tháng 03 năm 2026",
    ):
        assert expected in text, expected


def test_a_refusal_decision_gives_the_reasons_and_no_certificate(
    enterprise, body, enterprise_user, decider
):
    application = factories.application(
        enterprise=enterprise, body=body, created_by=enterprise_user, state="refused"
    )
    decision = factories.decision(application=application, decider=decider, outcome="refused")
    text = _text(docx.Document(io.BytesIO(render_decision(decision))))
    assert "Không cấp" in text
    assert "Hệ thống chưa đáp ứng yêu cầu." in text


def test_running_the_certificate_task_twice_makes_one_document_version(
    issued_certificate, media_root
):
    first = generate_certificate_document.delay(issued_certificate.pk).get()
    second = generate_certificate_document.delay(issued_certificate.pk).get()
    assert first == second
    document = Document.objects.get()
    assert (document.owner, document.doc_type, document.version) == (
        issued_certificate,
        "certificate",
        1,
    )
    assert document.generated and document.uploaded_by is None
    assert document.source_key == f"certificate:{issued_certificate.pk}:v0"
    assert len(list(media_root.rglob("*.docx"))) == 1
    with default_storage.open(document.file.name, "rb") as stored:
        assert "GLCERT-TXNG-2026-0001" in _text(docx.Document(stored))


def test_running_the_decision_task_twice_makes_one_document_on_the_application(
    issued_certificate,
):
    decision = issued_certificate.decision
    assert generate_decision_document.delay(decision.pk).get() == (
        generate_decision_document.delay(decision.pk).get()
    )
    document = Document.objects.get()
    assert (document.owner, document.doc_type, document.version) == (
        decision.application,
        "decision",
        1,
    )


def test_an_issued_certificate_gets_the_certificate_and_the_decision_documents(
    issued_certificate, decider, django_capture_on_commit_callbacks
):
    application = issued_certificate.application
    with django_capture_on_commit_callbacks(execute=True):
        log_transition(issued_certificate, "issue", by=decider, target="active")
    generated = {(d.doc_type, d.object_id) for d in Document.objects.filter(generated=True)}
    assert generated == {
        ("certificate", issued_certificate.pk),
        ("decision", application.pk),
    }
    # The same messages delivered again (a redelivery) add nothing.
    for message in OutboxMessage.objects.filter(kind__startswith="documents."):
        outbox_retry(message=message)
    outbox_deliver_pending()
    assert Document.objects.count() == 2


def test_other_transitions_generate_nothing(
    issued_certificate, cb_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        log_transition(issued_certificate, "suspend", by=cb_staff, previous="active")
    outbox_deliver_pending()
    assert not Document.objects.exists()


def test_a_reissue_generates_the_new_versions_certificate(
    issued_certificate, enterprise, body, cb_staff
):
    from certification.models import Certificate

    reissued = Certificate.objects.create(
        **{
            f.attname: getattr(issued_certificate, f.attname)
            for f in Certificate._meta.concrete_fields
            if f.name not in ("id", "state", "verification_token", "created_at", "updated_at")
        }
        | {"number": "GLCERT-TXNG-2026-0001/1", "version": 1}
    )
    log_transition(reissued, "reissue", by=cb_staff, target="active")
    outbox_deliver_pending()
    certificate_document = Document.objects.get(doc_type="certificate")
    assert certificate_document.object_id == reissued.pk
    assert certificate_document.source_key == f"certificate:{reissued.pk}:v1"
