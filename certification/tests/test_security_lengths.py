"""L3: free text has a length limit — in the model (any path) and in the serializer and form —
also for anonymous complaints."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from certification.models import Complaint
from certification.services import complaint_lodge
from core.limits import TEXT_MAX_LENGTH
from core.models import LogEntry
from core.tests.api_helpers import API, api_as

pytestmark = pytest.mark.django_db

TWO_MB = "x" * (2 * 1024 * 1024)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def _complaint(body, description):
    return {
        "body": body.pk,
        "complainant_email": "nguoi.mua@example.vn",
        "subject": "Tem truy xuất",
        "description": description,
    }


def test_an_anonymous_complaint_of_two_megabytes_is_refused_on_the_api(body):
    response = api_as().post(f"{API}/complaints/", _complaint(body, TWO_MB), format="json")
    assert response.status_code == 400
    assert "description" in response.json()["errors"]
    assert not Complaint.objects.exists()


def test_an_anonymous_complaint_of_two_megabytes_is_refused_on_the_page(client, body):
    response = client.post(
        "/complaints/new/",
        {**_complaint(body, TWO_MB), "complainant_name": ""},
    )
    assert response.status_code == 200
    assert "description" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_a_complaint_at_the_limit_is_accepted(body):
    text = "ý" * TEXT_MAX_LENGTH
    response = api_as().post(f"{API}/complaints/", _complaint(body, text), format="json")
    assert response.status_code == 201
    assert Complaint.objects.get().description == text


def test_the_model_refuses_over_long_text_on_any_path(body, outsider):
    with pytest.raises(ValidationError) as refused:
        complaint_lodge(
            body=body,
            complainant_email="a@example.vn",
            complainant_name="",
            subject="Tem",
            description="x" * (TEXT_MAX_LENGTH + 1),
            certificate=None,
            by=outsider,
        )
    assert "description" in refused.value.message_dict
    assert not Complaint.objects.exists()


def test_an_over_long_scope_note_is_a_400(enterprise_user, draft):
    response = api_as(enterprise_user).patch(
        f"{API}/applications/{draft.pk}/",
        {"scope_note": "x" * (TEXT_MAX_LENGTH + 1)},
        format="json",
    )
    assert response.status_code == 400
    assert "scope_note" in response.json()["errors"]


def test_an_over_long_product_name_is_a_400(enterprise_user, draft):
    response = api_as(enterprise_user).patch(
        f"{API}/applications/{draft.pk}/",
        {"products": [{"name": "Cà phê " * 1000, "gtin": ""}]},
        format="json",
    )
    assert response.status_code == 400
    assert "products" in response.json()["errors"]


def test_an_over_long_transition_comment_is_a_400_and_nothing_changes(enterprise_user, draft):
    before = LogEntry.objects.count()
    response = api_as(enterprise_user).post(
        f"{API}/applications/{draft.pk}/transitions/submit/",
        {"comment": "x" * (TEXT_MAX_LENGTH + 1)},
        format="json",
    )
    assert response.status_code == 400
    assert "comment" in response.json()["errors"]
    draft.refresh_from_db()
    assert draft.state == "draft"
    assert LogEntry.objects.count() == before


def test_the_model_fields_declare_the_limit():
    from audits.models import Finding
    from certification.models import Appeal, Application

    for model, field in (
        (Complaint, "description"),
        (Appeal, "grounds"),
        (Application, "scope_note"),
        (Finding, "corrective_action"),
        (LogEntry, "comment"),
    ):
        assert model._meta.get_field(field).max_length == TEXT_MAX_LENGTH, (model, field)
