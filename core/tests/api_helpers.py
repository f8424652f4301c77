"""Helpers for the API tests of every app."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

API = "/api/v1"


def api_as(user=None) -> APIClient:
    """A client sending `user`'s token (anonymous without a user)."""
    client = APIClient()
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def queries_of(call) -> int:
    """How many SQL queries `call()` makes once the process's caches are warm (content
    types, as in a running server): it is called once before counting."""
    call()
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)
