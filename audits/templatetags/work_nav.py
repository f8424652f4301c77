"""`{% has_work_role as works %}`: whether the signed-in user holds any role (the menu shows the
applications and audits pages to them). One query per request, remembered on the user."""

from django import template

from certification.models import Membership

register = template.Library()

# Attribute of the request's user holding the role codes once read (a view that already loaded
# the memberships, like the home page, sets it and saves the query).
ROLES_ATTRIBUTE = "_work_roles"


def remember_roles(user, roles) -> None:
    setattr(user, ROLES_ATTRIBUTE, frozenset(roles))


@register.simple_tag(takes_context=True)
def has_work_role(context) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    roles = getattr(user, ROLES_ATTRIBUTE, None)
    if roles is None:
        roles = frozenset(
            Membership.objects.active().filter(user_id=user.pk).values_list("role", flat=True)
        )
        remember_roles(user, roles)
    return bool(roles)
