from rest_framework.exceptions import NotFound

from core.api import exception_handler
from core.exceptions import DomainError


def test_a_domain_error_becomes_409_with_its_reason_and_guard_code():
    response = exception_handler(DomainError("Scope is missing.", code="scope_missing"), {})
    assert response.status_code == 409
    assert response.data == {"detail": "Scope is missing.", "code": "scope_missing"}


def test_other_errors_keep_drf_handling():
    response = exception_handler(NotFound(), {})
    assert response.status_code == 404
    assert "detail" in response.data
