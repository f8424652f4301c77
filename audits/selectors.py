"""Reads about audits that other apps rely on. (Interim: the audits app fills these in.)"""

from django.utils.translation import gettext as _


def team_user_ids(application) -> set[int]:
    """Users on any non-cancelled audit team of `application` (any role)."""
    return set()


def decision_blockers(application) -> list[tuple[str, str]]:
    """Why `application` is not ready for a decision: (guard code, reason) pairs, first the
    most fundamental. Empty when ready."""
    return [("audit_missing", _("The required audits are not closed yet."))]


def recertification_completed(certificate) -> bool:
    """A recertification audit of `certificate` is closed with every major finding closed."""
    return False


def audited_enterprise_ids(user) -> set[int]:
    """Enterprises whose audits `user` was on a team of."""
    return set()
