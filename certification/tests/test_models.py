import pytest
from django.core.exceptions import ValidationError

from certification.models import Organisation
from certification.tests.factories import BodyFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_an_organisation_with_an_invalid_tax_code_is_refused_with_a_clear_message(province):
    org = EnterpriseFactory.build(province=province, tax_code="0100233480")
    with pytest.raises(ValidationError) as exc:
        org.full_clean()
    assert "tax_code" in exc.value.message_dict
    assert "chữ số kiểm tra" in exc.value.message_dict["tax_code"][0]


def test_two_enterprises_cannot_share_a_tax_code(enterprise):
    twin = EnterpriseFactory.build(province=enterprise.province, tax_code=enterprise.tax_code)
    with pytest.raises(ValidationError) as exc:
        twin.full_clean()
    assert "Đã có doanh nghiệp với mã số thuế này." in str(exc.value)


def test_a_branch_may_register_with_a_branch_tax_code(enterprise):
    branch = EnterpriseFactory.build(
        province=enterprise.province, tax_code=f"{enterprise.tax_code}-001"
    )
    branch.full_clean()


def test_a_certification_body_needs_a_code_and_an_enterprise_has_none(province):
    with pytest.raises(ValidationError) as exc:
        BodyFactory.build(province=province, code="").full_clean()
    assert "phải có mã tổ chức" in str(exc.value)
    with pytest.raises(ValidationError):
        EnterpriseFactory.build(province=province, code="ENT").full_clean()


def test_body_codes_are_capital_letters_and_digits(province):
    with pytest.raises(ValidationError) as exc:
        BodyFactory.build(province=province, code="gl cert").full_clean()
    assert "code" in exc.value.message_dict
    assert Organisation.objects.count() == 0
