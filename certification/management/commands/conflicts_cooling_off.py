"""List the current assignments barred only by the cooling-off after a declared conflict.

Declarations whose relation ended (`ConflictDeclaration.ended_on`) bar the person from the
client's files until the scheme's `cooling_off_years` after that day. This lists the people
still on the team of an open audit, or still the technical reviewer or decision maker of an
open application, of a client they declared a tie with that ended within the cooling-off —
and with no tie still running (those were barred anyway). The body reviews each line and
replaces the person, or corrects the declaration's end date if it was wrong. Read only."""

import datetime

from dateutil.relativedelta import relativedelta
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from audits.models import Audit, AuditTeamMember
from certification.models import Application, ConflictDeclaration, Scheme
from core.clock import today

CLOSED_AUDIT = (Audit.State.CANCELLED, Audit.State.CLOSED)
FINAL_APPLICATION = (
    Application.State.REJECTED,
    Application.State.CERTIFIED,
    Application.State.REFUSED,
    Application.State.WITHDRAWN,
)


def barred_by_cooling_off(day: datetime.date) -> list[dict]:
    """One row per assignment on `day` barred only by a cooling-off (see the module)."""
    longest = max(Scheme.objects.values_list("cooling_off_years", flat=True), default=0)
    if not longest:
        return []
    ended = list(
        ConflictDeclaration.objects.filter(
            ended_on__isnull=False,
            ended_on__lte=day,
            ended_on__gt=day - relativedelta(years=longest),
        ).select_related("user", "enterprise")
    )
    still_running = set(
        ConflictDeclaration.objects.filter(ended_on__isnull=True).values_list(
            "user_id", "enterprise_id"
        )
    )
    rows = []
    for declaration in ended:
        key = (declaration.user_id, declaration.enterprise_id)
        if key in still_running:
            continue
        client = declaration.enterprise_id
        members = (
            AuditTeamMember.objects.filter(user_id=declaration.user_id)
            .filter(
                Q(audit__application__enterprise_id=client)
                | Q(audit__certificate__enterprise_id=client)
            )
            .exclude(audit__state__in=CLOSED_AUDIT)
            .select_related("audit__application__scheme", "audit__certificate__scheme")
        )
        for member in members:
            rows.append(
                _row(declaration, member.audit.scheme, f"audit {member.audit.pk}", member.role)
            )
        applications = (
            Application.objects.filter(enterprise_id=client)
            .filter(
                Q(technical_reviewer_id=declaration.user_id)
                | Q(decision_maker_id=declaration.user_id)
            )
            .exclude(state__in=FINAL_APPLICATION)
            .select_related("scheme")
        )
        for application in applications:
            role = (
                "decision maker"
                if application.decision_maker_id == declaration.user_id
                else "technical reviewer"
            )
            rows.append(_row(declaration, application.scheme, application.number, role))
    return [
        r for r in rows if r["until"] > day
    ]  # a scheme with a shorter cooling-off no longer bars


def _row(declaration, scheme, where: str, role: str) -> dict:
    return {
        "person": declaration.user.get_full_name() or declaration.user.get_username(),
        "client": declaration.enterprise.name,
        "where": where,
        "role": role,
        "ended_on": declaration.ended_on,
        "until": declaration.ended_on + relativedelta(years=scheme.cooling_off_years),
    }


class Command(BaseCommand):
    help = (
        "List the people still assigned to an open audit or application of a client they "
        "declared a tie with that ended within the scheme's cooling-off (read only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--day", help="The day to check (YYYY-MM-DD; default today).")

    def handle(self, *args, day=None, **options):
        try:
            when = datetime.date.fromisoformat(day) if day else today()
        except ValueError as exc:
            raise CommandError("--day: give a date as YYYY-MM-DD.") from exc
        rows = barred_by_cooling_off(when)
        for r in rows:
            self.stdout.write(
                f"{r['person']}\t{r['role']}\t{r['where']}\t{r['client']}\t"
                f"tie ended {r['ended_on']:%Y-%m-%d}\tbarred until {r['until']:%Y-%m-%d}"
            )
        self.stdout.write(f"{len(rows)} assignment(s) barred only by the cooling-off.")
