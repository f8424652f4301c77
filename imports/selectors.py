"""Reads of the imports app: where a person may import, and which imports they may see."""

from django.db.models import Q, QuerySet
from django.http import Http404

from certification.models import Organisation, Province, Role
from certification.selectors import jurisdictions_of, organisations_for_role
from core.models import User
from imports.kinds import KINDS
from imports.models import ImportBatch


def import_scopes(user: User) -> list[Organisation | Province]:
    """The bodies (as an officer) and provinces (as a regulator) `user` may import into."""
    if not user.is_authenticated:
        return []
    bodies = organisations_for_role(user, Role.CB_STAFF).filter(
        kind=Organisation.Kind.CERTIFICATION_BODY
    )
    return [*bodies.order_by("name"), *jurisdictions_of(user).order_by("name")]


def kinds_for(user: User) -> list:
    """The kinds of import `user` may make somewhere."""
    scopes = import_scopes(user)
    has_body = any(isinstance(s, Organisation) for s in scopes)
    has_province = any(isinstance(s, Province) for s in scopes)
    return [
        kind
        for kind in KINDS.values()
        if (has_body and kind.allows("body")) or (has_province and kind.allows("jurisdiction"))
    ]


def batches_visible_to(user: User) -> QuerySet[ImportBatch]:
    scopes = import_scopes(user)
    bodies = [s.pk for s in scopes if isinstance(s, Organisation)]
    provinces = [s.pk for s in scopes if isinstance(s, Province)]
    return (
        ImportBatch.objects.filter(Q(body_id__in=bodies) | Q(jurisdiction_id__in=provinces))
        .select_related("body", "jurisdiction", "created_by")
        .defer("rows", "report")
    )


def batch_get_for_user(user: User, pk: int, *, full: bool = True) -> ImportBatch:
    """The import `pk` if `user` may see it (an officer of its body, a regulator of its
    province), else 404."""
    queryset = batches_visible_to(user)
    if full:
        queryset = queryset.defer(None)
    batch = queryset.filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch
