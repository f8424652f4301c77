from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class LanguageMiddleware(LocaleMiddleware):
    """Vietnamese first: the language is the explicit choice of this browser (cookie), else
    the signed-in user's saved preference, else LANGUAGE_CODE. The browser's
    Accept-Language is deliberately ignored: a Vietnamese service speaks Vietnamese unless
    asked otherwise."""

    def process_request(self, request):
        available = {code for code, _ in settings.LANGUAGES}
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in available:
            user = getattr(request, "user", None)
            language = getattr(user, "preferred_language", None) if user else None
        if language not in available:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
