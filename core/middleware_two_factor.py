"""After sign-in, a user with two-factor sign-in gives a code before anything else; a user whose
organisation requires it sets it up first (core.two_factor).

What a session still owes is decided once, at sign-in (`mark_session`, on `user_logged_in`),
and kept in the session: the pages themselves make no extra query.
"""

from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from core import two_factor

SESSION_KEY = "two_factor_pending"
# Paths open between the password and the code.
_OPEN = ("/accounts/two-factor/", "/accounts/logout/", "/language/", "/static/")


def mark_session(sender, request, user, **kwargs) -> None:
    """user_logged_in: note in the session whether a code ("verify") or a set-up ("setup")
    is still owed."""
    if request is None or not hasattr(request, "session") or request.path.startswith("/api/"):
        return
    if two_factor.has_two_factor(user):
        request.session[SESSION_KEY] = "verify"
    elif two_factor.two_factor_required(user):
        request.session[SESSION_KEY] = "setup"
    else:
        request.session.pop(SESSION_KEY, None)


def settle(request) -> None:
    """The session gave its code (or set up its device): nothing is owed any more."""
    request.session.pop(SESSION_KEY, None)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        pending = session.get(SESSION_KEY) if session is not None else None
        if (
            pending
            and not request.path.startswith(_OPEN)
            and request.path
            not in (
                "/healthz",
                "/readyz",
            )
        ):
            if request.user.is_authenticated and request.user.is_verified():
                settle(request)
            elif request.user.is_authenticated:
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "detail": _("Give your two-factor code first."),
                            "code": "two_factor_required",
                        },
                        status=403,
                    )
                target = reverse("two_factor_verify" if pending == "verify" else "two_factor_setup")
                return HttpResponseRedirect(f"{target}?{urlencode({'next': request.path})}")
        return self.get_response(request)
