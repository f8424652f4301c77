"""`{{ guide_url }}`: the guide's section for the page being shown (computed only when a
template uses it; the menu's link in base.html)."""

from django.urls import reverse

from guide import pages


def _roles(user) -> frozenset[str]:
    from audits.templatetags.work_nav import ROLES_ATTRIBUTE, remember_roles
    from certification.models import Membership

    roles = getattr(user, ROLES_ATTRIBUTE, None)
    if roles is None:
        roles = frozenset(
            Membership.objects.active().filter(user_id=user.pk).values_list("role", flat=True)
        )
        remember_roles(user, roles)
    return roles


def guide_url_for(request) -> str:
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else None
    if view_name and view_name.startswith("guide:"):
        return reverse("guide:index")
    user = getattr(request, "user", None)
    roles = _roles(user) if user is not None and user.is_authenticated else frozenset()
    slug, anchor = pages.section_for(view_name, roles, getattr(request, "LANGUAGE_CODE", "vi"))
    url = reverse("guide:page", args=[slug])
    return f"{url}#{anchor}" if anchor else url


def guide(request) -> dict:
    return {"guide_url": lambda: guide_url_for(request)}
