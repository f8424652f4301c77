"""`{% nav_roles as roles %}`: the role codes the signed-in user holds now, for the menu
(certificates, registrations, appeals, complaints). Shares the per-request memo of
`audits.templatetags.work_nav`, so the menu costs one query at most."""

from django import template

from audits.templatetags.work_nav import ROLES_ATTRIBUTE, remember_roles
from certification.models import Membership

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_roles(context) -> frozenset[str]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return frozenset()
    roles = getattr(user, ROLES_ATTRIBUTE, None)
    if roles is None:
        roles = frozenset(
            Membership.objects.active().filter(user_id=user.pk).values_list("role", flat=True)
        )
        remember_roles(user, roles)
    return roles
