import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certification.models import Role
from certification.tests.factories import BodyFactory, SchemeFactory, UserFactory, grant
from imports import reading
from imports.kinds import get_kind


@pytest.fixture
def scheme(db):
    return SchemeFactory()


@pytest.fixture
def other_body(province):
    return BodyFactory(province=province, code="KTCERT")


@pytest.fixture
def other_staff(other_body, admin_user):
    return grant(UserFactory(username="staff2"), Role.CB_STAFF, other_body, by=admin_user)


def csv_file(kind: str, records: list[dict], name: str = "gcn-cu.csv") -> SimpleUploadedFile:
    content = reading.rows_csv(get_kind(kind), records)
    return SimpleUploadedFile(name, content, content_type="text/csv")


def xlsx_file(kind: str, records: list[dict], name: str = "gcn-cu.xlsx") -> SimpleUploadedFile:
    content = reading.rows_xlsx(get_kind(kind), records)
    return SimpleUploadedFile(
        name,
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
