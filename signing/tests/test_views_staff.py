"""The body's staff page: the logo drawn on the certificates, and the signing certificates."""

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.tests import factories
from signing.models import SigningCertificate

pytestmark = pytest.mark.django_db

PAGE = "/signing/"


def files_under(settings) -> set:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def test_an_officer_sees_the_page_with_an_empty_state(client, cb_staff):
    client.force_login(cb_staff)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert b"empty-state" in response.content


def test_the_page_reads_a_fixed_number_of_queries_however_many_certificates(
    client, cb_staff, body, django_assert_max_num_queries
):
    import datetime

    from django.utils import timezone

    for n in range(5):
        SigningCertificate.objects.create(
            body=body,
            subject=f"CN=key {n}",
            issuer="CN=CA",
            serial_number=str(n),
            fingerprint=f"{n:064x}",
            certificate_pem="-",
            not_before=timezone.now(),
            not_after=timezone.now() + datetime.timedelta(days=365),
        )
    client.force_login(cb_staff)
    with django_assert_max_num_queries(12):
        response = client.get(PAGE)
    assert response.content.count(b"CN=key") == 5


def test_someone_who_is_not_an_officer_is_refused(client, decider, enterprise_user):
    for user in (decider, enterprise_user):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, db):
    assert client.get(PAGE).status_code == 302


def test_an_officer_uploads_the_logo(client, cb_staff, body, settings):
    client.force_login(cb_staff)
    png = SimpleUploadedFile("logo.png", factories.png_bytes(), content_type="image/png")
    response = client.post(f"/signing/bodies/{body.pk}/logo/", {"logo": png})
    assert response.status_code == 302
    body.refresh_from_db()
    assert body.logo.name.startswith("logos/")
    assert client.get(f"/signing/bodies/{body.pk}/logo/image/").status_code == 200


def test_a_logo_that_is_not_an_image_is_refused_and_nothing_is_stored(
    client, cb_staff, body, settings
):
    client.force_login(cb_staff)
    before = files_under(settings)
    fake = SimpleUploadedFile("logo.png", factories.PDF, content_type="image/png")
    response = client.post(f"/signing/bodies/{body.pk}/logo/", {"logo": fake})
    assert response.status_code == 415
    body.refresh_from_db()
    assert not body.logo
    assert files_under(settings) == before


def test_a_logo_over_1_mb_is_refused(client, cb_staff, body):
    client.force_login(cb_staff)
    big = SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024 + 1))
    assert client.post(f"/signing/bodies/{body.pk}/logo/", {"logo": big}).status_code == 413


def test_another_bodys_officer_may_not_change_the_logo(client, body, admin_user, province):
    from certification.models import Role
    from certification.tests.factories import BodyFactory, UserFactory, grant

    other = BodyFactory(province=province, code="KTCERT")
    stranger = grant(UserFactory(username="kt"), Role.CB_STAFF, other, by=admin_user)
    client.force_login(stranger)
    png = SimpleUploadedFile("logo.png", factories.png_bytes())
    assert client.post(f"/signing/bodies/{body.pk}/logo/", {"logo": png}).status_code == 404


def test_an_officer_registers_and_retires_a_signing_certificate(
    client, cb_staff, body, key_material
):
    client.force_login(cb_staff)
    pem = key_material.certificate.public_bytes(Encoding.PEM)
    response = client.post(
        f"/signing/bodies/{body.pk}/certificates/",
        {"certificate": SimpleUploadedFile("glcert.cer", pem)},
    )
    assert response.status_code == 302
    registered = SigningCertificate.objects.get()
    assert registered.body == body and registered.registered_by == cb_staff
    assert registered.fingerprint.encode() in client.get(PAGE).content
    client.post(f"/signing/certificates/{registered.pk}/retire/")
    registered.refresh_from_db()
    assert registered.retired_at is not None


def test_a_file_that_is_not_a_certificate_is_refused_with_a_message(client, cb_staff, body):
    client.force_login(cb_staff)
    response = client.post(
        f"/signing/bodies/{body.pk}/certificates/",
        {"certificate": SimpleUploadedFile("key.pem", b"-----BEGIN PRIVATE KEY-----\n")},
    )
    assert response.status_code == 400
    assert "X.509" in response.content.decode()
    assert not SigningCertificate.objects.exists()
