"""Reads of the body's impartiality records: officers and decision makers of the body see
them (administrators see all)."""

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from certification.models import (
    BodyConflict,
    CommitteeMeeting,
    ImpartialityRisk,
    Membership,
    Role,
)
from core.models import User


def _bodies_of(user: User):
    return (
        Membership.objects.active()
        .filter(user_id=user.pk, role__in=[Role.CB_STAFF, Role.DECISION_MAKER])
        .values("organisation_id")
    )


def _visible(model, user: User):
    if not user.is_authenticated or not user.is_active:
        return model.objects.none()
    if user.is_superuser:
        return model.objects.all()
    return model.objects.filter(body_id__in=_bodies_of(user))


def risks_visible_to(user: User):
    return _visible(ImpartialityRisk, user)


def meetings_visible_to(user: User):
    return _visible(CommitteeMeeting, user)


def _readable(model, user: User):
    """Rows of the bodies where `user` is an officer or decision maker, and of the bodies
    located in the provinces `user` oversees as a regulator (read only)."""
    from certification.selectors import regulated_province_ids

    if not user.is_authenticated or not user.is_active:
        return model.objects.none()
    if user.is_superuser:
        return model.objects.all()
    return model.objects.filter(
        Q(body_id__in=_bodies_of(user)) | Q(body__province_id__in=regulated_province_ids(user))
    )


def risks_readable_by(user: User):
    """The risk registers `user` may read through the API: their bodies' and, for a
    regulator, those of the bodies in their jurisdiction."""
    return _readable(ImpartialityRisk, user)


def meetings_readable_by(user: User):
    """The committee meetings `user` may read through the API (as `risks_readable_by`)."""
    return _readable(CommitteeMeeting, user)


def body_conflicts_visible_to(user: User):
    return _visible(BodyConflict, user)


def get_for_user(queryset, pk: int):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404(_("Not found."))
    return found
