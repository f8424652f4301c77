import factory

from certification.models import Organisation, Province, Role
from certification.services import membership_grant
from certification.validators import tax_code_check_digit
from core.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Người dùng {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.vn")
    password = factory.django.Password("pw-Secret-2026")


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"province-{n}")
    name = factory.Sequence(lambda n: f"Tỉnh {n}")


def _valid_tax_code(n: int) -> str:
    """The n-th valid enterprise tax code in a test range (skips numbers without a check digit)."""
    serial = 1_000_000 + n
    while True:
        first_nine = f"59{serial:07d}"
        digit = tax_code_check_digit(first_nine)
        if digit is not None:
            return f"{first_nine}{digit}"
        serial += 5_000_000  # a range no other n uses


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.ENTERPRISE
    name = factory.Sequence(lambda n: f"Công ty TNHH Nông sản {n}")
    tax_code = factory.Sequence(_valid_tax_code)
    address = "Số 1 Lê Lợi"
    commune = "Phường Pleiku"
    province = factory.SubFactory(ProvinceFactory)
    sector = "crop"
    email = "lienhe@example.vn"
    phone = "0269 000 000"


class BodyFactory(EnterpriseFactory):
    kind = Organisation.Kind.CERTIFICATION_BODY
    name = factory.Sequence(lambda n: f"Tổ chức chứng nhận {n}")
    code = factory.Sequence(lambda n: f"CB{n}")
    registration_number = factory.Sequence(lambda n: f"{n}/2026/ĐK")


def grant(user: User, role: str, scope, *, by: User) -> User:
    """Give `user` a role through the real service (so permissions are granted as in life)."""
    if role == Role.REGULATOR:
        membership_grant(user=user, role=role, jurisdiction=scope, by=by)
    else:
        membership_grant(user=user, role=role, organisation=scope, by=by)
    return user


# The competence record each role is given by `give_standing_competence`.
STANDING_FUNCTION = {
    Role.ASSESSOR: "lead",
    Role.CB_STAFF: "technical_reviewer",
    Role.DECISION_MAKER: "decision_maker",
}


def give_standing_competence(*, memberships=None, schemes=None) -> None:
    """Competence records (every technical area, from 2000, witnessed today) for the given
    memberships under every scheme, or for every current membership under the given schemes."""
    import datetime

    from audits.models import AssessorQualification
    from certification.models import Membership, Scheme
    from core.clock import today

    if memberships is None:
        memberships = Membership.objects.active().filter(role__in=list(STANDING_FUNCTION))
    schemes = list(Scheme.objects.all()) if schemes is None else schemes
    rows = [
        AssessorQualification(
            user_id=m.user_id,
            scheme=scheme,
            function=STANDING_FUNCTION[m.role],
            valid_from=datetime.date(2000, 1, 1),
            witnessed_on=today(),
        )
        for m in memberships
        if m.role in STANDING_FUNCTION
        for scheme in schemes
    ]
    AssessorQualification.objects.bulk_create(rows)


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "certification.Scheme"
        django_get_or_create = ("code",)

    code = "tcvn-12850-2019"
    name = "Chứng nhận hệ thống truy xuất nguồn gốc"
    standard = "TCVN 12850:2019"
    checklist_code = "tcvn-12850-2019-system"
    required_document_types = factory.LazyFunction(list)


def registered_body(body, scheme, *, regulator, staff):
    """`body` registered for `scheme` by walking the registration's real transitions.

    The registration's documents are attached through the documents service when that app
    provides it; otherwise the submit guard is satisfied by marking the row (test data only).
    """
    from certification.models import BodyRegistration
    from certification.selectors import is_national_regulator
    from certification.services import (
        registration_create,
        registration_register,
        registration_start_review,
        registration_submit,
    )

    if not is_national_regulator(regulator):
        regulator = national_regulator_for_tests()
    qualified_auditors(body, scheme)
    registration = registration_create(body=body, scheme=scheme, by=staff)
    attach_documents(registration, ["quality_manual", "assessor_list", "legal_documents"], by=staff)
    registration = registration_submit(registration=registration, by=staff)
    registration = registration_start_review(registration=registration, by=regulator)
    registration = registration_register(
        registration=registration, by=regulator, registration_number="01/2026/ĐK"
    )
    assert registration.state == BodyRegistration.State.REGISTERED
    return registration


def _registry_admin() -> User:
    admin, _created = User.objects.get_or_create(
        username="registry-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    return admin


def national_regulator_for_tests() -> User:
    """A regulator of the national jurisdiction (registration is decided only there)."""
    from certification.models import Membership, Province

    national, _created = Province.objects.get_or_create(
        is_national=True,
        defaults={"code": "toan-quoc", "name": "Toàn quốc"},
    )
    existing = (
        Membership.objects.active()
        .filter(role=Role.REGULATOR, jurisdiction=national)
        .select_related("user")
        .first()
    )
    if existing is not None:
        return existing.user
    user = UserFactory(username="national-registrar")
    return grant(user, Role.REGULATOR, national, by=_registry_admin())


def qualified_auditors(body, scheme, count: int = 4) -> list[User]:
    """Official auditors of `body` qualified for `scheme` from 2020, added until there are
    `count` (the registration minimum); returns those added."""
    import datetime

    from audits.models import AssessorQualification
    from audits.selectors import qualified_auditor_count

    added = []
    missing = count - qualified_auditor_count(body, scheme)
    for _n in range(missing):
        user = UserFactory()
        grant(user, Role.ASSESSOR, body, by=_registry_admin())
        AssessorQualification.objects.create(
            user=user, scheme=scheme, valid_from=datetime.date(2020, 1, 1)
        )
        added.append(user)
    return added


def regulator_scope(regulator):
    from certification.selectors import jurisdictions_of

    return jurisdictions_of(regulator).get()


def attach_documents(owner, doc_types, *, by):
    """Attach one small PDF per type to `owner` through the documents service."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.services import document_upload

    for doc_type in doc_types:
        pdf = SimpleUploadedFile(
            f"{doc_type}.pdf", b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        )
        document_upload(owner=owner, doc_type=doc_type, file=pdf, by=by)


def suspend_at_once(certificate, by, capture_on_commit_callbacks) -> None:
    """Suspend `certificate` for 30 days, with what runs after the commit (the public cache's
    invalidation) run at once."""
    import datetime

    from certification.services import certificate_suspend
    from core.clock import today

    with capture_on_commit_callbacks(execute=True):
        certificate_suspend(
            certificate=certificate,
            by=by,
            comment="Không duy trì hệ thống.",
            until=today() + datetime.timedelta(days=30),
        )
