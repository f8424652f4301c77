"""The one mechanism every state change goes through.

Models declare their state machines with django-fsm: `@transition(..., conditions=[guards],
permission=rule, custom={"label": …, "requires": (…)})`. Guards are `Guard` objects (a test on
the object with a stable code and a message); permissions are `Rule` objects (a test on object and
user that may explain a refusal). This module turns those declarations into:

- `execute()`: lock → state and guards (DomainError → 409) → permission (PermissionDenied → 403)
  → required inputs (ValidationError → 400) → transition → save → LogEntry → after-commit signal;
- `transitions_for()`: what a user may do with an object now, and why not.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _
from django_fsm import FSMFieldMixin

from core.confirmations import consequence
from core.exceptions import DomainError
from core.models import LogEntry, User
from core.services import log_transition

# Sent after the transaction that made a transition commits; `log_entry_id` identifies it.
# Follow-ups that must not be lost (notifications, documents, portal pushes) do not connect
# here: they are recorded with the change in core.outbox (a LogEntry post_save receiver).
transition_committed = Signal()


class Guard:
    """A condition of a transition on the object alone. `test(obj)` returns True when
    satisfied; False (the guard's own message applies) or a DomainError with a more precise
    reason when not."""

    def __init__(self, code: str, message: Any, test: Callable[[Any], bool]) -> None:
        self.code = code
        self.message = message
        self.test = test
        self.__name__ = code

    def __call__(self, instance: Any) -> bool:
        return self.test(instance) is True

    def failure(self, instance: Any) -> DomainError | None:
        result = self.test(instance)
        if result is True:
            return None
        if isinstance(result, DomainError):
            return result
        return DomainError(str(self.message), code=self.code)

    def __repr__(self) -> str:
        return f"Guard({self.code})"


def guard(code: str, message: Any) -> Callable[[Callable[[Any], bool]], Guard]:
    """Decorator: `@guard("scope_missing", _("Fill in the scope first."))`."""

    def wrap(test: Callable[[Any], bool]) -> Guard:
        return Guard(code, message, test)

    return wrap


class Rule:
    """Who may make a transition. `test(obj, user)` returns True, or False / a reason (str)."""

    def __init__(self, test: Callable[[Any, User], bool | str], message: Any) -> None:
        self.test = test
        self.message = message

    def __call__(self, instance: Any, user: User) -> bool:
        return self.test(instance, user) is True

    def reason(self, instance: Any, user: User) -> str | None:
        result = self.test(instance, user)
        if result is True:
            return None
        return str(result) if isinstance(result, str) and result else str(self.message)


def rule(message: Any) -> Callable[[Callable[[Any, User], bool | str]], Rule]:
    def wrap(test: Callable[[Any, User], bool | str]) -> Rule:
        return Rule(test, message)

    return wrap


SYSTEM = Rule(lambda obj, user: False, "Only the system makes this change.")


@dataclass(frozen=True)
class TransitionInfo:
    name: str
    label: str
    target: str
    allowed: bool
    reason: str
    code: str
    requires: tuple[str, ...]
    # False when the user's role never makes it (pages hide it rather than grey it out).
    permitted: bool = True
    # The consequence to confirm before it (core.confirmations), "" when none is asked.
    confirm: str = ""


def _fsm_field(model: type[models.Model]) -> FSMFieldMixin:
    return next(f for f in model._meta.fields if isinstance(f, FSMFieldMixin))


def _transition_from_state(obj: models.Model, name: str):
    method = getattr(type(obj), name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None:
        raise ValueError(f"{type(obj).__name__} has no transition {name!r}")
    state = meta.field.get_state(obj)
    return meta.get_transition(state) if meta.has_transition(state) else None


def _state_label(obj: models.Model) -> str:
    field = _fsm_field(type(obj))
    return str(
        dict(field.flatchoices).get(field.value_from_object(obj), field.value_from_object(obj))
    )


def blocker(obj: models.Model, name: str) -> DomainError | None:
    """Why transition `name` cannot happen now regardless of who asks (state or a guard)."""
    tr = _transition_from_state(obj, name)
    if tr is None:
        return DomainError(
            _("This is not possible while the %(object)s is “%(state)s”.")
            % {"object": type(obj)._meta.verbose_name, "state": _state_label(obj)},
            code="invalid_state",
        )
    for condition in tr.conditions:
        if isinstance(condition, Guard):
            failure = condition.failure(obj)
            if failure:
                return failure
        elif not condition(obj):
            return DomainError(_("A condition of this step is not met."), code="guard")
    return None


def refusal(obj: models.Model, name: str, user: User) -> str | None:
    """Why `user` may not make transition `name` (None when they may)."""
    return _refusal(obj, name, user)[0]


def _refusal(obj: models.Model, name: str, user: User) -> tuple[str | None, bool]:
    """(why `user` may not make transition `name` or None, whether the reason is particular to
    this object — e.g. a conflict of interest — rather than the person's role)."""
    tr = _transition_from_state(obj, name)
    if tr is None or tr.permission is None:
        return None, False
    if not user.is_authenticated or not user.is_active:
        return _("Sign in first."), False
    permission = tr.permission
    if isinstance(permission, Rule):
        result = permission.test(obj, user)
        if result is True:
            return None, False
        particular = isinstance(result, str) and bool(result)
        return (str(result) if particular else str(permission.message)), particular
    return (None, False) if tr.has_perm(obj, user) else (_("You may not do this."), False)


def transition_label(obj: models.Model, name: str) -> str:
    """The label of transition `name` of `obj`'s model (no guard or permission evaluated)."""
    for tr in _fsm_field(type(obj)).get_all_transitions(type(obj)):
        if tr.name == name:
            return str(tr.custom.get("label", name))
    return name


def transitions_for(obj: models.Model, user: User) -> list[TransitionInfo]:
    """Every transition a person could make from the object's current state, for `user`:
    name, label, target, allowed, and the reason when not allowed. System-only transitions
    (scheduled jobs) are left out."""
    field = _fsm_field(type(obj))
    state = field.get_state(obj)
    result = []
    for tr in field.get_all_transitions(type(obj)):
        if tr.source not in (state, "*", "+") or tr.custom.get("system"):
            continue
        if tr.source == "+" and tr.target == state:
            continue
        problem = blocker(obj, tr.name)
        reason, code = (problem.message, problem.code) if problem else ("", "")
        refused, particular = _refusal(obj, tr.name, user)
        if refused and not problem:
            reason, code = refused, "permission_denied"
        result.append(
            TransitionInfo(
                name=tr.name,
                label=str(tr.custom.get("label", tr.name)),
                target=str(tr.target),
                allowed=not reason,
                reason=str(reason),
                code=code,
                requires=tuple(tr.custom.get("requires", ())),
                # A role the user lacks hides the action; a reason about this object shows it
                # disabled, with the reason.
                permitted=not refused or particular,
                confirm=consequence(obj, tr.name),
            )
        )
    return result


def execute(
    obj: models.Model,
    name: str,
    *,
    by: User | None,
    comment: str = "",
    data: dict[str, Any] | None = None,
    prepare: Callable[[models.Model], Iterable[str]] | None = None,
    after: Callable[[models.Model, LogEntry], Any] | None = None,
) -> models.Model:
    """Make transition `name` on `obj` for `by` (None: the system), in one transaction.

    1. lock the row (select_for_update) and re-read it;
    2. state and guards → DomainError (409) with the guard's reason and code;
    3. the transition's permission for `by` → PermissionDenied (403) with the reason;
    4. inputs the transition requires (`custom["requires"]`, e.g. comment) → ValidationError;
    5. `prepare(locked)` sets the transition's own fields and returns their names;
    6. the django-fsm method, `save(update_fields=…)`, the LogEntry;
    7. `after(locked, entry)` for follow-up writes in the same transaction;
    8. on commit, `transition_committed` is sent with the LogEntry's id.

    Returns the locked, updated object.
    """
    data = dict(data or {})
    with transaction.atomic():
        model = type(obj)
        locked = model._default_manager.select_for_update(of=("self",)).get(pk=obj.pk)
        problem = blocker(locked, name)
        if problem:
            raise problem
        tr = _transition_from_state(locked, name)
        if by is None:
            if not tr.custom.get("system") and tr.permission is not None:
                raise PermissionDenied("Only a person may make this change.")
        else:
            refused = refusal(locked, name, by)
            if refused:
                raise PermissionDenied(refused)
        missing = {
            field: _("This field is required.")
            for field in tr.custom.get("requires", ())
            if not str((comment if field == "comment" else data.get(field)) or "").strip()
        }
        if missing:
            raise ValidationError(missing)
        field = _fsm_field(model)
        previous = field.get_state(locked)
        changed = list(prepare(locked) or ()) if prepare else []
        getattr(locked, name)()
        update_fields = [field.name, *changed]
        if any(f.name == "updated_at" for f in model._meta.fields):
            update_fields.append("updated_at")
        locked.save(update_fields=list(dict.fromkeys(update_fields)))
        entry = log_transition(
            locked,
            name,
            by=by,
            previous=previous,
            target=field.get_state(locked),
            comment=comment,
            data=data,
        )
        if after:
            after(locked, entry)
        transaction.on_commit(
            lambda: transition_committed.send(sender=model, log_entry_id=entry.pk), robust=True
        )
    return locked
