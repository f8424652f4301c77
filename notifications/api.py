"""REST API of the notifications app: the current user's notifications and marking them read
(through notifications.selectors and notifications.services)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.views import Filter, ReadOnlyApiViewSet
from notifications.models import Category, Notification
from notifications.selectors import notification_get_for_user, notifications_for
from notifications.services import notification_mark_read, notifications_mark_all_read


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)
    # In the language of the request (Accept-Language, the language cookie), as on the page.
    title = serializers.CharField(source="display_title", read_only=True)
    body = serializers.CharField(source="display_body", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "event",
            "category",
            "title",
            "body",
            "url",
            "is_read",
            "read_at",
            "created_at",
        ]


class NotificationViewSet(ReadOnlyApiViewSet):
    """The current user's notifications, unread first, newest first."""

    serializer_class = NotificationSerializer
    no_conflicts = True
    # A notification is new or read: synchronise on its creation.
    updated_field = "created_at"
    filter_fields = {
        "category": Filter("category", choices=tuple(Category.values)),
        "is_read": Filter(kind="bool", apply=lambda qs, read: qs.filter(read_at__isnull=not read)),
    }

    def visible(self):
        return notifications_for(self.request.user)

    def fetch(self, pk: int):
        return notification_get_for_user(self.request.user, pk)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def read(self, request, pk=None):
        notification = notification_mark_read(notification=self.get_object(), by=request.user)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        request=None,
        responses={200: inline_serializer("MarkedRead", {"marked": serializers.IntegerField()})},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="read-all",
        pagination_class=None,
        filter_backends=[],
    )
    def read_all(self, request):
        return Response({"marked": notifications_mark_all_read(by=request.user)})
