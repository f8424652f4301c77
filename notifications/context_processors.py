"""Template context: the unread-notification count of the header."""

from functools import cache

from django.http import HttpRequest


def unread(request: HttpRequest) -> dict:
    """`unread_notifications`: a callable the template resolves on first use (then cached), so
    a page that does not show the counter makes no query and one that does makes one; nothing
    for visitors who are not signed in."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from notifications.selectors import unread_count

    return {"unread_notifications": cache(lambda: unread_count(user))}
