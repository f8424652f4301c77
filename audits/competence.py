"""Is this person competent for this function, under this scheme, in this technical area, on
this day? One answer for every place that asks: team assignment, the declaration and the
start of an audit, the technical review and the certification decision, and the team picker.

Each check answers None (competent) or the reason why not, in the user's language."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audits.models.qualifications import (
    WITNESS_EVERY_YEARS,
    AssessorQualification,
    Function,
)
from certification.models import Scheme, Sector

# The functions that qualify a person for each team role (an observer needs none).
FUNCTIONS_FOR_ROLE: dict[str, tuple[str, ...]] = {
    "lead": (Function.LEAD,),
    "member": (Function.AUDITOR, Function.LEAD),
    "expert": (Function.TECHNICAL_EXPERT, Function.AUDITOR, Function.LEAD),
    "observer": (),
}


def technical_area_of(subject) -> str:
    """The technical area of an application's or certificate's client (its sector)."""
    return subject.enterprise.sector or ""


def records_by_user(
    user_ids: Iterable[int], *, scheme: Scheme, area: str, day: datetime.date
) -> dict[int, list[AssessorQualification]]:
    """Records valid on `day` for `scheme` covering `area`, per user: one query."""
    found: dict[int, list[AssessorQualification]] = defaultdict(list)
    rows = (
        AssessorQualification.objects.valid_on(day)
        .covering(scheme=scheme, area=area)
        .with_witnessing()
        .filter(user_id__in=list(user_ids))
        .order_by("user_id", "function", "-witnessed_on")
    )
    for record in rows:
        found[record.user_id].append(record)
    return found


def _function_label(functions: tuple[str, ...]) -> str:
    return str(dict(Function.choices)[functions[0]])


def refusal_from_records(
    records: list[AssessorQualification],
    *,
    name: str,
    functions: tuple[str, ...],
    scheme: Scheme,
    area: str,
    day: datetime.date,
) -> str | None:
    """Why `records` (of one person, valid on `day`) do not qualify them for any of
    `functions`; None when one does."""
    if not functions:
        return None
    matching = [r for r in records if r.function in functions]
    if any(r.is_witnessed_for(day) for r in matching):
        return None
    context = {
        "name": name,
        "function": _function_label(functions),
        "scheme": scheme,
        "area": dict(Sector.choices).get(area, area) if area else "",
        "day": date_format(day, "SHORT_DATE_FORMAT"),
        "n": WITNESS_EVERY_YEARS,
    }
    if matching:
        recorded = [r for r in matching if r.witnessing()[0]]
        failed = [
            r.last_unsatisfactory_witnessing
            for r in recorded
            if r.last_unsatisfactory_witnessing
            and (
                r.last_satisfactory_witnessing is None
                or r.last_unsatisfactory_witnessing >= r.last_satisfactory_witnessing
            )
        ]
        last = max((r.last_witnessed() for r in matching if r.last_witnessed()), default=None)
        if last is None and failed:
            return _(
                "%(name)s's latest witnessed audit as %(function)s, on %(last)s, was "
                "unsatisfactory: a satisfactory witnessed audit is needed before they may act "
                "as %(function)s."
            ) % {**context, "last": date_format(max(failed), "SHORT_DATE_FORMAT")}
        if last is None and recorded:
            return (
                _(
                    "%(name)s has no satisfactory witnessed audit on record as %(function)s "
                    "(one is needed at least every %(n)d years)."
                )
                % context
            )
        if last is None:
            return (
                _(
                    "%(name)s has no witnessed audit on record as %(function)s under "
                    "%(scheme)s (one is needed at least every %(n)d years)."
                )
                % context
            )
        return _(
            "%(name)s was last witnessed auditing on %(last)s, more than %(n)d years before "
            "%(day)s: a witnessed audit is due before they may act as %(function)s."
        ) % {**context, "last": date_format(last, "SHORT_DATE_FORMAT")}
    if area:
        return (
            _(
                "%(name)s holds no competence record valid on %(day)s as %(function)s under "
                "%(scheme)s in the technical area “%(area)s”."
            )
            % context
        )
    return (
        _("%(name)s holds no competence record valid on %(day)s as %(function)s under %(scheme)s.")
        % context
    )


def refusal_for(
    user, *, functions: tuple[str, ...], scheme: Scheme, area: str, day: datetime.date
) -> str | None:
    """Why `user` may not act in any of `functions` on `day` (None when they may)."""
    if not functions:
        return None
    records = records_by_user([user.pk], scheme=scheme, area=area, day=day).get(user.pk, [])
    return refusal_from_records(
        records,
        name=user.get_full_name() or user.get_username(),
        functions=functions,
        scheme=scheme,
        area=area,
        day=day,
    )


def team_member_refusal(audit, user, role: str, day: datetime.date) -> str | None:
    """Why `user` may not take `role` on `audit`'s team on `day`."""
    return refusal_for(
        user,
        functions=FUNCTIONS_FOR_ROLE.get(role, ()),
        scheme=audit.scheme,
        area=technical_area_of(audit.subject),
        day=day,
    )


def team_refusals(audit, day: datetime.date) -> list[str]:
    """The reasons, one per team member not competent for their role on `day` (two queries)."""
    team = list(audit.team.select_related("user"))
    area = technical_area_of(audit.subject)
    records = records_by_user([m.user_id for m in team], scheme=audit.scheme, area=area, day=day)
    reasons = []
    for member in team:
        reason = refusal_from_records(
            records.get(member.user_id, []),
            name=member.user.get_full_name() or member.user.get_username(),
            functions=FUNCTIONS_FOR_ROLE.get(member.role, ()),
            scheme=audit.scheme,
            area=area,
            day=day,
        )
        if reason:
            reasons.append(reason)
    return reasons


def application_refusal(application, user, function: str, day: datetime.date) -> str | None:
    """Why `user` may not act as technical reviewer or decision maker of `application`."""
    return refusal_for(
        user,
        functions=(function,),
        scheme=application.scheme,
        area=technical_area_of(application),
        day=day,
    )
