"""Writes of the body's impartiality records: conflicts of the body with a client, the risk
register and the impartiality committee's meetings and decisions. Officers of the body (or an
administrator) write them; every write is logged."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from certification.models import (
    BodyConflict,
    CommitteeDecision,
    CommitteeMeeting,
    ImpartialityRisk,
    Organisation,
    Role,
)
from certification.selectors import has_role
from core.models import User
from core.services import log_transition
from core.workflow import execute


def _require_officer(body: Organisation, by: User) -> None:
    if not (by.is_superuser or has_role(by, Role.CB_STAFF, body)):
        raise PermissionDenied(_("Only officers of the certification body may do this."))


def _create(model, *, by: User, body: Organisation, **fields: Any):
    _require_officer(body, by)
    record = model(body=body, recorded_by=by, **fields)
    record.full_clean(exclude=["state"])  # a protected state field is never set by cleaning
    record.save()
    log_transition(record, "create", by=by, data={k: str(v) for k, v in fields.items()})
    return record


def _edit(record, *, by: User, **fields: Any):
    record = type(record).objects.select_for_update().get(pk=record.pk)
    _require_officer(record.body, by)
    for name, value in fields.items():
        setattr(record, name, value)
    record.full_clean(exclude=["state"])
    record.save(update_fields=[*fields, "updated_at"])
    log_transition(record, "edit", by=by, data={k: str(v) for k, v in fields.items()})
    return record


@transaction.atomic
def body_conflict_record(*, body: Organisation, by: User, **fields: Any) -> BodyConflict:
    """Record a tie of the body with a client (the body or a related body consulted it, or
    they share owners). While it bars the body, applications of that client are not accepted
    (Application.accept guard `body_conflict`)."""
    return _create(BodyConflict, by=by, body=body, **fields)


@transaction.atomic
def body_conflict_update(*, conflict: BodyConflict, by: User, **fields: Any) -> BodyConflict:
    """Change a recorded conflict (typically: the day the relation ended)."""
    return _edit(conflict, by=by, **fields)


@transaction.atomic
def risk_record(*, body: Organisation, by: User, **fields: Any) -> ImpartialityRisk:
    """Add a risk to the body's impartiality risk register."""
    return _create(ImpartialityRisk, by=by, body=body, **fields)


@transaction.atomic
def risk_update(*, risk: ImpartialityRisk, by: User, **fields: Any) -> ImpartialityRisk:
    """Review a risk: its assessment, controls and next review."""
    return _edit(risk, by=by, **fields)


def risk_close(*, risk: ImpartialityRisk, by: User, comment: str) -> ImpartialityRisk:
    """Close a risk whose source no longer exists (reason required)."""
    return execute(risk, "close", by=by, comment=comment)


@transaction.atomic
def meeting_record(*, body: Organisation, by: User, **fields: Any) -> CommitteeMeeting:
    """Record a meeting of the impartiality committee (minutes attached as documents)."""
    return _create(CommitteeMeeting, by=by, body=body, **fields)


@transaction.atomic
def meeting_decision_add(
    *, meeting: CommitteeMeeting, by: User, text: str, risk=None, due_on=None
) -> CommitteeDecision:
    """Record a decision of the committee at `meeting`, optionally about a risk of the
    register (of the same body)."""
    _require_officer(meeting.body, by)
    if risk is not None and risk.body_id != meeting.body_id:
        raise PermissionDenied(_("This risk belongs to another body's register."))
    decision = CommitteeDecision(meeting=meeting, text=text.strip(), risk=risk, due_on=due_on)
    decision.full_clean()
    decision.save()
    log_transition(
        meeting,
        "decision_add",
        by=by,
        data={"decision": decision.pk, "risk": risk.pk if risk else None},
        comment=decision.text,
    )
    return decision
