"""Reads of the notifications app, each limited to the signed-in person's own rows."""

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.shortcuts import get_object_or_404

from core.models import User
from notifications.models import Category, Notification, NotificationPreference


def notifications_for(user: User) -> QuerySet[Notification]:
    """The person's notifications, unread first, newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient=user)
        .alias(unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField()))
        .order_by("-unread", "-created_at", "-id")
    )


def notification_get_for_user(user: User, pk: int) -> Notification:
    """One of the person's notifications; Http404 for anyone else's."""
    return get_object_or_404(notifications_for(user), pk=pk)


def unread_count(user: User) -> int:
    """How many of the person's notifications are unread (one query)."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def email_preferences_of(user: User) -> dict[str, bool]:
    """Category → e-mail on/off for the person, every category present (default on)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("category", "email"))
    return {category: chosen.get(category, True) for category in Category.values}
