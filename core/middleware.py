from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def _from_accept_language(request, available: set[str]) -> str | None:
    """The first supported language of the request's Accept-Language header (None without
    one)."""
    header = request.headers.get("Accept-Language", "")
    for code, _quality in translation.trans_real.parse_accept_lang_header(header):
        if code == "*":
            continue
        try:
            language = translation.get_supported_language_variant(code)
        except LookupError:
            continue
        if language in available:
            return language
    return None


class LanguageMiddleware(LocaleMiddleware):
    """Vietnamese first: the language is the explicit choice of this browser (cookie), else
    the signed-in user's saved preference, else LANGUAGE_CODE. The browser's
    Accept-Language is deliberately ignored on pages: a Vietnamese service speaks Vietnamese
    unless asked otherwise. API callers without a session (programs, with a token or none)
    are asked otherwise by their `Accept-Language` header, which is honoured."""

    def process_request(self, request):
        translation.activate(request_language(request, getattr(request, "user", None)))
        request.LANGUAGE_CODE = translation.get_language()


def request_language(request, user=None) -> str:
    """The language LanguageMiddleware chooses for `request` (by `user`, None when nobody is
    signed in): also what the public answers short-circuit uses, so both agree."""
    available = {code for code, _ in settings.LANGUAGES}
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if language not in available:
        language = getattr(user, "preferred_language", None) if user else None
    if language not in available and request.path.startswith("/api/"):
        language = _from_accept_language(request, available)
    if language not in available:
        language = settings.LANGUAGE_CODE
    return language
