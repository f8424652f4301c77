"""The API's token authentication: `Authorization: Token <key>` as before, and also
`Authorization: Bearer <key>`, the form that clients generated from the schema send (the
schema declares the scheme as HTTP bearer: core.api.schema.TokenAuthenticationScheme). A token
is refused (401) once older than API_TOKEN_TTL_HOURS (core.api.auth), whichever keyword.

Outside core.api: REST framework imports this class while loading its settings."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication as DrfTokenAuthentication
from rest_framework.authentication import get_authorization_header


class TokenAuthentication(DrfTokenAuthentication):
    """DRF's token authentication accepting both keywords, `Token` and `Bearer`, and refusing
    an expired token."""

    keywords = ("Token", "Bearer")

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts:
            return None
        given = parts[0].lower()
        for keyword in self.keywords:
            if given == keyword.lower().encode():
                # DRF's parsing and messages, for the keyword this request used.
                self.keyword = keyword
                return super().authenticate(request)
        return None

    def authenticate_credentials(self, key):
        from core.api.auth import token_expired

        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed(
                _("Token has expired. Ask auth/token/ for a new one.")
            )
        return user, token
