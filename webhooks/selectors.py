"""Reads of the webhooks app, authorised where they fetch."""

from django.db.models import Q
from django.http import Http404

from certification.models import Organisation, Province, Role
from certification.selectors import jurisdictions_of, organisations_for_role
from core.models import User
from webhooks.models import WebhookDelivery, WebhookEndpoint


def webhook_owners_of(user: User) -> list[Organisation | Province]:
    """What `user` may register endpoints for: the bodies where they are an officer, and the
    provinces they oversee."""
    if not user.is_authenticated or not user.is_active:
        return []
    bodies = organisations_for_role(user, Role.CB_STAFF).filter(
        kind=Organisation.Kind.CERTIFICATION_BODY
    )
    return [*bodies.order_by("name"), *jurisdictions_of(user).order_by("name")]


def endpoints_managed_by(user: User):
    """The endpoints `user` manages (their bodies' and their provinces')."""
    if not user.is_authenticated or not user.is_active:
        return WebhookEndpoint.objects.none()
    bodies = organisations_for_role(user, Role.CB_STAFF).values("pk")
    provinces = jurisdictions_of(user).values("pk")
    return WebhookEndpoint.objects.filter(
        Q(body__in=bodies) | Q(jurisdiction__in=provinces)
    ).select_related("body", "jurisdiction")


def endpoint_get_for_user(user: User, pk: int) -> WebhookEndpoint:
    endpoint = endpoints_managed_by(user).filter(pk=pk).first()
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


def deliveries_of(endpoint: WebhookEndpoint):
    """The endpoint's delivery log, newest first."""
    return WebhookDelivery.objects.filter(endpoint=endpoint).select_related("certificate")


def delivery_get_for_user(user: User, pk: int) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.filter(pk=pk, endpoint__in=endpoints_managed_by(user))
        .select_related("endpoint", "endpoint__body", "endpoint__jurisdiction")
        .first()
    )
    if delivery is None:
        raise Http404("No such delivery.")
    return delivery
