"""Register a body's signing certificate: the one of its configured key (PKCS#12 file or
PKCS#11 token), or a certificate file given with --file."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from certification.models import Organisation
from signing.keys import SigningKeyUnavailable, body_signer
from signing.services import signing_certificate_register


class Command(BaseCommand):
    help = (
        "Register the certificate a certification body signs with (by default the one of its "
        "configured key), so its signed PDFs verify as signed by the body."
    )

    def add_arguments(self, parser):
        parser.add_argument("--body", required=True, help="The body's code, e.g. GLCERT.")
        parser.add_argument("--file", help="A certificate file (PEM or DER) instead of the key's.")

    def handle(self, *args, body: str, file: str | None = None, **options):
        organisation = Organisation.objects.filter(
            code=body, kind=Organisation.Kind.CERTIFICATION_BODY
        ).first()
        if organisation is None:
            raise CommandError(f"No certification body has the code {body!r}.")
        if file:
            with open(file, "rb") as handle:
                data = handle.read()
        else:
            try:
                with body_signer(organisation) as signer:
                    data = signer.signing_cert.dump()
            except SigningKeyUnavailable as exc:
                raise CommandError(str(exc)) from None
        try:
            registered = signing_certificate_register(body=organisation, certificate=data, by=None)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Registered {registered.subject} ({registered.fingerprint}).")
        )
