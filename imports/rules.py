"""Who may import into where: a body's officers into their body, a regulator into their
jurisdiction; nobody else (not even a superuser, who is a member nowhere)."""

from django.utils.translation import gettext_lazy as _

from certification.models import Organisation, Province, Role
from certification.selectors import has_role
from core.workflow import rule


def may_import_into(user, scope: Organisation | Province | None) -> bool:
    if scope is None:
        return False
    if isinstance(scope, Province):
        return has_role(user, Role.REGULATOR, scope)
    return scope.kind == Organisation.Kind.CERTIFICATION_BODY and has_role(
        user, Role.CB_STAFF, scope
    )


@rule(_("Only an officer of the body or a regulator of the province may import here."))
def importer(batch, user) -> bool:
    return may_import_into(user, batch.scope)
