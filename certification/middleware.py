"""Public certificate answers straight from the public cache, before the rest of the stack.

An anonymous `GET`/`HEAD` of `/verify/<number>/` or `/api/v1/public/certificates/<number>/`
(no session cookie) whose answer is already in the server-side cache (certification.public_cache)
is answered here: sessions, authentication, two-factor, messages, axes and the view itself have
nothing to add to it. The answer is the one the view would send, with the headers the middleware
between this one and the view would add (Vary and Content-Language of the language choice,
X-Frame-Options, Content-Length; for the API, its rate limit, content negotiation and `Allow`);
the middleware before this one (security headers, CSP) adds its own as for any response. On a
miss, or for anything else, the request takes the normal path, which fills the cache.

Placed right after CSPMiddleware in settings.MIDDLEWARE. `tests/…/test_public_short_circuit.py`
checks that both paths give byte- and header-identical answers.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers

from certification import public_cache
from core.middleware import LanguageMiddleware, request_language

PAGE_PREFIX = "/verify/"
API_PREFIX = "/api/v1/public/certificates/"


def _no_response(request):  # pragma: no cover - the header-only middleware never call it
    raise AssertionError("only process_response is used")


class PublicAnswerMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # The inner middleware whose response headers a public answer gets, in the order they
        # add them on the way out (innermost first).
        self.inner = [
            XFrameOptionsMiddleware(_no_response),
            LanguageMiddleware(_no_response),
            CommonMiddleware(_no_response),
        ]

    def __call__(self, request):
        response = None
        if request.method in ("GET", "HEAD") and (
            request.path_info.startswith((PAGE_PREFIX, API_PREFIX))
        ):
            response = self.short_circuit(request)
        return response if response is not None else self.get_response(request)

    def short_circuit(self, request):
        """The cached answer with every header of the normal path, or None (normal path)."""
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            return None  # perhaps signed in: the page shows their menu
        from certification.views import public

        route = _route(settings.ROOT_URLCONF, request.path_info)
        if route is None:
            return None
        kind, number = route
        api = None
        if kind == "api":
            api = _ApiChecks(request)
            if not api.acceptable():
                return None
        with translation.override(request_language(request)):
            variant = f"{kind}:{translation.get_language() or ''}"
            answer = (
                public_cache.get(number, variant) if api is None else api.answer(number, variant)
            )
            if answer is None:
                return None  # a miss, or over the rate limit: the normal path answers
            response = public.answer_response(request, answer)
            if api is not None:
                api.finalize(response)
            for middleware in self.inner:
                response = middleware.process_response(request, response)
        return response


@lru_cache(maxsize=4096)
def _route(urlconf: str, path: str) -> tuple[str, str] | None:
    """("page" or "api", the certificate number) when the URLconf sends `path` to the
    verification page or the public API lookup, else None. Resolved once per path (the
    URLconf does not change while the process runs; `urlconf` is part of the key for tests
    that swap it)."""
    from certification.api.certificates import PublicCertificateView
    from certification.views import public

    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    number = match.kwargs.get("number")
    if not number or "\x00" in number:
        return None
    if match.func is public.verify:
        return "page", number
    if getattr(match.func, "view_class", None) is PublicCertificateView:
        return "api", number
    return None


class _ApiChecks:
    """What PublicCertificateView's dispatch does before and after its handler, for an
    anonymous caller: content negotiation, the rate limit, the default headers."""

    def __init__(self, request):
        from rest_framework.request import Request

        from certification.api.certificates import PublicCertificateView

        self.view = PublicCertificateView()
        self.view.setup(request)  # as as_view() does: its `head` is its `get`
        self.view.format_kwarg = None
        self.request = Request(request, authenticators=(), negotiator=None)
        self.view.request = self.request

    # The negotiation's outcome depends only on the Accept header and the `format` parameter:
    # remembered per pair (bounded), it costs a dictionary lookup for the usual clients.
    _acceptable: dict[tuple[str | None, str | None], bool] = {}

    def acceptable(self) -> bool:
        from rest_framework import exceptions
        from rest_framework.settings import api_settings

        asked = (
            self.request.META.get("HTTP_ACCEPT"),
            self.request.GET.get(api_settings.URL_FORMAT_OVERRIDE or ""),
        )
        known = self._acceptable.get(asked)
        if known is None:
            try:
                self.view.perform_content_negotiation(self.request)
                known = True
            except exceptions.NotAcceptable:
                known = False
            if len(self._acceptable) >= 256:
                self._acceptable.clear()
            self._acceptable[asked] = known
        return known

    def answer(self, number: str, variant: str):
        """The cached answer, counted as one request of the rate limit's scope; None when it is
        not cached or the limit refuses it. A request not answered here is not counted: the
        normal path counts it (and refuses it over the limit). When this process served the
        answer before, checking that it is still current and counting the request are one
        round trip."""
        throttles = self.view.get_throttles()
        local = public_cache.remembered(number, variant)
        if (
            local is not None
            and len(throttles) == 1
            and public_cache.cache_alias() == DEFAULT_CACHE_ALIAS  # the throttle's cache
        ):
            allowed = throttles[0].allow_request_if(
                self.request, self.view, local.generation_key, local.stamp
            )
            if allowed is not None:  # still current
                return local.answer if allowed else None
        answer = public_cache.get(number, variant)
        if answer is None:
            return None
        allowed = all(throttle.allow_request(self.request, self.view) for throttle in throttles)
        return answer if allowed else None

    def finalize(self, response) -> None:
        headers = dict(self.view.default_response_headers)
        vary = headers.pop("Vary", None)
        if vary is not None:
            patch_vary_headers(response, [v.strip() for v in vary.split(",")])
        for key, value in headers.items():
            response[key] = value
