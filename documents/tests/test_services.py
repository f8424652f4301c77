import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from certification.models import Role
from certification.tests.factories import UserFactory, grant
from core.exceptions import DomainError
from documents import services
from documents.models import Document
from documents.selectors import document_types_of
from documents.services import document_upload, may_upload
from documents.tests import factories
from documents.tests.conftest import stored_files
from documents.validation import DocumentTooLarge, UnsupportedDocumentType

pytestmark = pytest.mark.django_db


def test_an_upload_is_stored_with_its_checksum_size_type_and_sanitised_name(
    draft_application, enterprise_user, media_root
):
    document = document_upload(
        owner=draft_application,
        doc_type="traceability_procedure",
        file=factories.pdf("../Quy trình TXNG.pdf"),
        by=enterprise_user,
    )
    document.refresh_from_db()
    assert document.version == 1
    assert document.sha256 == hashlib.sha256(factories.PDF).hexdigest()
    assert document.size == len(factories.PDF)
    assert document.mime_type == "application/pdf"
    assert document.original_name == "Quy trình TXNG.pdf"
    assert document.uploaded_by == enterprise_user
    assert document.owner == draft_application
    assert document.file.name.startswith("documents/")
    assert document.file.name.endswith("/Quy trình TXNG.pdf")
    assert (media_root / document.file.name).read_bytes() == factories.PDF


def test_a_new_upload_of_the_same_type_is_version_2_and_version_1_is_kept(
    draft_application, enterprise_user, media_root
):
    first = document_upload(
        owner=draft_application,
        doc_type="site_list",
        file=factories.pdf("dia-diem.pdf"),
        by=enterprise_user,
    )
    second = document_upload(
        owner=draft_application,
        doc_type="site_list",
        file=factories.pdf("dia-diem.pdf", factories.PDF + b"% v2\n"),
        by=enterprise_user,
    )
    assert (first.version, second.version) == (1, 2)
    assert first.file.name != second.file.name
    versions = Document.objects.for_owner(draft_application).of_type("site_list")
    assert sorted(versions.values_list("version", flat=True)) == [1, 2]
    assert (media_root / first.file.name).read_bytes() == factories.PDF
    assert len(stored_files(media_root)) == 2


def test_versions_are_counted_per_type(draft_application, enterprise_user):
    document_upload(
        owner=draft_application, doc_type="site_list", file=factories.pdf(), by=enterprise_user
    )
    other = document_upload(
        owner=draft_application, doc_type="product_list", file=factories.pdf(), by=enterprise_user
    )
    assert other.version == 1
    assert document_types_of(draft_application) == {"site_list", "product_list"}


def test_an_executable_renamed_pdf_is_refused_and_nothing_is_stored(
    draft_application, enterprise_user, media_root
):
    for header in (factories.ELF, factories.MZ):
        with pytest.raises(UnsupportedDocumentType):
            document_upload(
                owner=draft_application,
                doc_type="general",
                file=SimpleUploadedFile("hoa-don.pdf", header, "application/pdf"),
                by=enterprise_user,
            )
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


def test_an_oversized_upload_is_refused_and_nothing_is_stored(
    draft_application, enterprise_user, media_root, settings
):
    settings.DOCUMENT_MAX_BYTES = len(factories.PDF) - 1
    with pytest.raises(DocumentTooLarge):
        document_upload(
            owner=draft_application, doc_type="general", file=factories.pdf(), by=enterprise_user
        )
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


def test_when_the_row_cannot_be_inserted_the_stored_object_is_deleted(
    draft_application, enterprise_user, media_root, monkeypatch
):
    document_upload(
        owner=draft_application, doc_type="general", file=factories.pdf(), by=enterprise_user
    )
    # A version already taken: the database's unique constraint refuses the row.
    monkeypatch.setattr(services, "_next_version", lambda owner, doc_type: 1)
    with pytest.raises(IntegrityError):
        document_upload(
            owner=draft_application, doc_type="general", file=factories.pdf(), by=enterprise_user
        )
    assert Document.objects.count() == 1
    assert len(stored_files(media_root)) == 1


def test_a_system_type_cannot_be_uploaded(draft_application, enterprise_user, media_root):
    with pytest.raises(ValidationError):
        document_upload(
            owner=draft_application,
            doc_type="certificate",
            file=factories.pdf(),
            by=enterprise_user,
        )
    assert stored_files(media_root) == []


def test_an_unknown_type_is_refused(draft_application, enterprise_user):
    with pytest.raises(ValidationError):
        document_upload(
            owner=draft_application, doc_type="nonsense", file=factories.pdf(), by=enterprise_user
        )


# --- who may upload ------------------------------------------------------------------------


def test_the_enterprise_may_upload_to_its_draft_application(draft_application, enterprise_user):
    assert may_upload(draft_application, enterprise_user)


def test_the_enterprise_may_upload_while_revision_is_requested(enterprise, body, enterprise_user):
    application = factories.application(
        enterprise=enterprise, body=body, created_by=enterprise_user, state="revision_requested"
    )
    assert may_upload(application, enterprise_user)


def test_the_enterprise_may_not_upload_to_a_submitted_application_and_is_told_why(
    enterprise, body, enterprise_user, media_root
):
    application = factories.application(
        enterprise=enterprise, body=body, created_by=enterprise_user, state="submitted"
    )
    reason = may_upload.reason(application, enterprise_user)
    assert reason and reason != str(may_upload.message)
    with pytest.raises(DomainError, match=reason):
        document_upload(
            owner=application, doc_type="general", file=factories.pdf(), by=enterprise_user
        )
    assert stored_files(media_root) == []


def test_another_enterprise_an_outsider_and_a_regulator_may_not_upload_to_an_application(
    draft_application, other_enterprise_user, outsider, regulator
):
    for user in (other_enterprise_user, outsider, regulator):
        assert not may_upload(draft_application, user)
        with pytest.raises(PermissionDenied):
            document_upload(
                owner=draft_application, doc_type="general", file=factories.pdf(), by=user
            )


def test_body_staff_may_upload_to_their_bodys_application_registration_and_certificate(
    draft_application, issued_certificate, cb_staff, body, province
):
    from certification.models import BodyRegistration

    registration = BodyRegistration.objects.create(
        body=body, scheme=factories.scheme(), jurisdiction=province
    )
    for owner in (draft_application, issued_certificate, registration):
        assert may_upload(owner, cb_staff)


def test_staff_of_another_body_may_not_upload_to_the_certificate(
    issued_certificate, province, admin_user
):
    from certification.tests.factories import BodyFactory

    other_staff = grant(UserFactory(), Role.CB_STAFF, BodyFactory(province=province), by=admin_user)
    assert not may_upload(issued_certificate, other_staff)


def test_an_enterprise_user_may_not_upload_to_its_certificate(issued_certificate, enterprise_user):
    assert not may_upload(issued_certificate, enterprise_user)
