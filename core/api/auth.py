"""API tokens that expire, and their revocation.

A token works for API_TOKEN_TTL_HOURS after it was issued; then it is deleted and the caller
gets 401 and asks `auth/token/` for a new one. Every token of a user is revoked when their
password changes (change, reset, admin) — see core.models.User.save — and when one of their
memberships ends (certification.services.membership_end).
"""

import datetime

from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token


def token_lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def token_expired(token: Token) -> bool:
    return token.created + token_lifetime() <= timezone.now()


def token_for(user) -> Token:
    """The user's current token, a fresh one when there is none or it has expired."""
    token = Token.objects.filter(user=user).first()
    if token is not None and token_expired(token):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
    return token


def tokens_revoke(*, user) -> int:
    """Delete every API token of `user`; how many there were."""
    deleted, _by_model = Token.objects.filter(user=user).delete()
    return deleted
