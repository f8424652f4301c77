"""Issue 15: the whole-country row is a regulator's jurisdiction, not a place. It is offered
where a regulator's jurisdiction is chosen, and nowhere a province is chosen for an address,
a plan or a filter."""

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory

from certification.models import Membership, Organisation
from certification.tests.factories import EnterpriseFactory
from oversight.models import HighRiskProductGroup, OutsideCertification, PlanActivity, PlanTarget

pytestmark = pytest.mark.django_db


def _choices(form, field):
    return {str(label) for _value, label in form.fields[field].choices}


def test_the_national_row_is_not_an_enterprise_address(province, national_province):
    form = modelform_factory(Organisation, fields=["province"])()
    assert _choices(form, "province") == {"---------", "Gia Lai"}
    enterprise = EnterpriseFactory(province=province)
    enterprise.province = national_province
    with pytest.raises(ValidationError) as refused:
        enterprise.full_clean()
    assert "province" in refused.value.message_dict


@pytest.mark.parametrize(
    "model", [PlanTarget, PlanActivity, HighRiskProductGroup, OutsideCertification]
)
def test_the_national_row_is_not_among_a_plans_provinces(model, province, national_province):
    form = modelform_factory(model, fields=["jurisdiction"])()
    assert "Toàn quốc" not in _choices(form, "jurisdiction")
    assert "Gia Lai" in _choices(form, "jurisdiction")


def test_the_national_row_is_offered_as_a_regulators_jurisdiction(province, national_province):
    form = modelform_factory(Membership, fields=["jurisdiction"])()
    assert {"Gia Lai", "Toàn quốc"} <= _choices(form, "jurisdiction")


def test_an_enterprise_import_does_not_place_an_enterprise_in_the_whole_country(
    province, national_province
):
    from imports.kinds.enterprises import Lookups

    lookups = Lookups()
    assert lookups.province("Gia Lai") == province
    assert lookups.province("Toàn quốc") is None


def test_the_indicator_filters_of_a_national_regulator_list_provinces_only(
    client, province, other_province, national_regulator
):
    client.force_login(national_regulator)
    page = client.get("/oversight/")
    assert page.status_code == 200
    assert [p.name for p in page.wsgi_request.provinces] == ["Gia Lai", "Kon Tum"]
    assert 'id="province-switch"' in page.content.decode()
    assert "Toàn quốc</option>" not in page.content.decode()
