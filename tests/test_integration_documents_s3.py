"""Documents on S3: stored through django-storages against moto's S3 server, downloaded
through the permission-checked view as a redirect to a presigned URL that serves the bytes."""

import socket
import urllib.request
import uuid
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import boto3
import pytest
from django.core.files.storage import default_storage
from moto.server import ThreadedMotoServer

from documents.services import document_upload
from documents.tests import factories

pytestmark = pytest.mark.integration


@dataclass
class S3:
    endpoint: str
    client: object
    bucket: str


CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3_endpoint():
    """moto's S3 in server mode on a free port, with an empty private bucket (a new name
    each time: moto keeps its state per process, not per server)."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
        bucket = f"txng-documents-{uuid.uuid4().hex[:12]}"
        client.create_bucket(Bucket=bucket)
        yield S3(endpoint=endpoint, client=client, bucket=bucket)
    finally:
        server.stop()


@pytest.fixture
def s3_storage(settings, s3_endpoint):
    settings.AWS_STORAGE_BUCKET_NAME = s3_endpoint.bucket
    settings.AWS_S3_ENDPOINT_URL = s3_endpoint.endpoint
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_ACCESS_KEY_ID = CREDENTIALS["AWS_ACCESS_KEY_ID"]
    settings.AWS_SECRET_ACCESS_KEY = CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
    settings.AWS_DEFAULT_ACL = None
    settings.AWS_QUERYSTRING_AUTH = True
    settings.AWS_QUERYSTRING_EXPIRE = 300
    settings.AWS_S3_FILE_OVERWRITE = False
    settings.AWS_S3_SIGNATURE_VERSION = "s3v4"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    return s3_endpoint


@pytest.mark.django_db
def test_a_document_is_stored_in_s3_and_downloaded_through_a_presigned_url(
    s3_storage, client, enterprise, body, enterprise_user, cb_staff
):
    application = factories.application(
        enterprise=enterprise, body=body, created_by=enterprise_user
    )
    content = factories.PDF + "% Quy trình truy xuất nguồn gốc\n".encode()
    document = document_upload(
        owner=application,
        doc_type="traceability_procedure",
        file=factories.pdf("Quy trình TXNG.pdf", content),
        by=enterprise_user,
    )
    factories.submitted(application)  # the body sees the file once it is submitted

    assert type(default_storage._wrapped).__name__ == "S3Storage"
    stored = s3_storage.client.get_object(Bucket=s3_storage.bucket, Key=document.file.name)
    assert stored["Body"].read() == content
    # Private: the object cannot be read without a signature.
    endpoint = s3_storage.endpoint
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(
            f"{endpoint}/{s3_storage.bucket}/{quote(document.file.name)}", timeout=10
        )
    assert refused.value.code == 403

    client.force_login(cb_staff)
    response = client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 302
    presigned = response["Location"]
    assert urlsplit(presigned).netloc == urlsplit(endpoint).netloc
    assert "X-Amz-Signature=" in presigned and "X-Amz-Expires=300" in presigned
    with urllib.request.urlopen(presigned, timeout=10) as answer:
        assert answer.status == 200
        assert answer.read() == content
        assert "attachment" in answer.headers["Content-Disposition"]


@pytest.mark.django_db
def test_an_outsider_gets_no_presigned_url(
    s3_storage, client, enterprise, body, enterprise_user, outsider
):
    application = factories.application(
        enterprise=enterprise, body=body, created_by=enterprise_user
    )
    document = document_upload(
        owner=application, doc_type="general", file=factories.pdf(), by=enterprise_user
    )
    client.force_login(outsider)
    assert client.get(f"/documents/{document.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_a_rejected_upload_leaves_the_bucket_empty(s3_storage, enterprise, body, enterprise_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.models import Document
    from documents.validation import UnsupportedDocumentType

    application = factories.application(
        enterprise=enterprise, body=body, created_by=enterprise_user
    )
    with pytest.raises(UnsupportedDocumentType):
        document_upload(
            owner=application,
            doc_type="general",
            file=SimpleUploadedFile("hoa-don.pdf", factories.ELF),
            by=enterprise_user,
        )
    assert s3_storage.client.list_objects_v2(Bucket=s3_storage.bucket).get("KeyCount") == 0
    assert not Document.objects.exists()
