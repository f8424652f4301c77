"""REST API of the webhooks app: `webhooks/` (the endpoints a body's officers or a
province's regulators manage), `webhooks/{id}/deliveries/` (the delivery log),
`webhooks/{id}/rotate-secret/`, `webhooks/{id}/deliveries/{delivery_id}/resend/`."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from certification.models import Organisation, Province
from core.api.views import ApiViewSet, Filter
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from webhooks.selectors import (
    deliveries_of,
    delivery_get_for_user,
    endpoint_get_for_user,
    endpoints_managed_by,
)
from webhooks.services import (
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)


class WebhookEndpointSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.SlugRelatedField(slug_field="code", read_only=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=Event.choices))
    secret = serializers.CharField(
        read_only=True,
        help_text="Key of the HMAC-SHA256 signature (`X-TXNG-Signature`) of every delivery.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "body",
            "jurisdiction",
            "url",
            "description",
            "events",
            "is_active",
            "secret",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookEndpointCreateSerializer(serializers.Serializer):
    body = serializers.IntegerField(
        required=False, min_value=1, help_text="The certification body's id (or `jurisdiction`)."
    )
    jurisdiction = serializers.SlugField(
        required=False, help_text="The province's code (or `body`)."
    )
    url = serializers.URLField(max_length=500, help_text="https:// address to POST events to.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=Event.choices),
        required=False,
        help_text="Events to send (all when left out).",
    )

    def validate(self, attrs):
        if ("body" in attrs) == ("jurisdiction" in attrs):
            raise serializers.ValidationError("Give either `body` or `jurisdiction`.")
        return attrs


class WebhookEndpointChangeSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=Event.choices), required=False
    )
    is_active = serializers.BooleanField(required=False)


class AttemptSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    ms = serializers.IntegerField()


class WebhookDeliverySerializer(serializers.ModelSerializer):
    attempt_log = AttemptSerializer(many=True, read_only=True)
    certificate_number = serializers.SerializerMethodField()

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "event_id",
            "certificate",
            "certificate_number",
            "status",
            "attempts",
            "attempt_log",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_certificate_number(self, delivery: WebhookDelivery) -> str:
        return str((delivery.payload.get("certificate") or {}).get("number", ""))


class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ApiViewSet
):
    """Webhook endpoints of the bodies and provinces the user manages. Certificate events
    (issued, suspended, reinstated, withdrawn, expired, restored) are POSTed to them, signed,
    retried with backoff; `deliveries/` is the log."""

    serializer_class = WebhookEndpointSerializer
    filter_fields = {"is_active": Filter("is_active", "bool")}
    search_fields = ["url", "description"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def visible(self):
        return endpoints_managed_by(self.request.user)

    def fetch(self, pk: int):
        return endpoint_get_for_user(self.request.user, pk)

    @extend_schema(
        request=WebhookEndpointCreateSerializer, responses={201: WebhookEndpointSerializer}
    )
    def create(self, request):
        given = WebhookEndpointCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        if "body" in data:
            owner = get_object_or_404(
                Organisation, pk=data.pop("body"), kind=Organisation.Kind.CERTIFICATION_BODY
            )
        else:
            owner = get_object_or_404(Province, code=data.pop("jurisdiction"))
        endpoint = webhook_endpoint_create(by=request.user, owner=owner, **data)
        return self.created(endpoint)

    @extend_schema(
        request=WebhookEndpointChangeSerializer, responses={200: WebhookEndpointSerializer}
    )
    def partial_update(self, request, pk=None):
        endpoint = self.get_object()
        given = WebhookEndpointChangeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        webhook_endpoint_update(endpoint=endpoint, by=request.user, **given.validated_data)
        return Response(self.get_serializer(self.fetch(endpoint.pk)).data)

    def perform_destroy(self, instance):
        webhook_endpoint_delete(endpoint=instance, by=self.request.user)

    @extend_schema(request=None, responses={200: WebhookEndpointSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="rotate-secret",
        pagination_class=None,
        filter_backends=[],
    )
    def rotate_secret(self, request, pk=None):
        endpoint = webhook_endpoint_rotate_secret(endpoint=self.get_object(), by=request.user)
        return Response(self.get_serializer(endpoint).data)

    @extend_schema(responses=WebhookDeliverySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        page = self.paginate_queryset(deliveries_of(endpoint).order_by("-created_at", "-id"))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses={200: WebhookDeliverySerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[0-9]{1,18})/resend",
        pagination_class=None,
        filter_backends=[],
    )
    def resend(self, request, pk=None, delivery_id=None):
        endpoint = self.get_object()
        delivery = delivery_get_for_user(request.user, int(delivery_id))
        if delivery.endpoint_id != endpoint.pk:
            raise Http404("Not a delivery of this endpoint.")
        delivery = webhook_delivery_resend(delivery=delivery, by=request.user)
        return Response(WebhookDeliverySerializer(delivery).data)
