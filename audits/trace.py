"""The trace test's result, computed from facts (workflow.md, Trace test; Circular
02/2024/TT-BKHCN “one step back, one step forward”).

Pure functions over plain data, so a record typed by an assessor and one pre-filled from EPCIS
events are judged alike. A trace test of one lot passes only when:

1. both one step back and one step forward were traced;
2. each direction was answered within the scheme's target time;
3. the mass balance — the lot's inputs (one step back) against its outputs shipped and in
   stock (one step forward) — differs by no more than the scheme's tolerance (default 2 %).
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

BACKWARD = "backward"
FORWARD = "forward"


@dataclass(frozen=True)
class DirectionFacts:
    """What was shown for one direction: when asked and answered, the lines with quantities."""

    direction: str
    started_at: datetime.datetime
    answered_at: datetime.datetime
    inputs: Sequence[dict] = field(default_factory=tuple)
    outputs: Sequence[dict] = field(default_factory=tuple)

    @property
    def hours(self) -> Decimal:
        seconds = Decimal((self.answered_at - self.started_at).total_seconds())
        return (seconds / 3600).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class TraceOutcome:
    passed: bool
    reasons: list[str]
    quantity_in: Decimal
    quantity_out: Decimal
    difference_percent: Decimal | None
    started_at: datetime.datetime
    ended_at: datetime.datetime
    directions: tuple[str, ...]


def total(lines: Iterable[dict]) -> Decimal:
    """Σ quantity of `lines` ({"quantity": …}); a line without a quantity counts 0."""
    result = Decimal(0)
    for line in lines or ():
        value = line.get("quantity")
        if value not in (None, ""):
            result += Decimal(str(value))
    return result


def mass_balance_percent(quantity_in: Decimal, quantity_out: Decimal) -> Decimal | None:
    """|in - out| as a percentage of in (None when nothing came in)."""
    if quantity_in <= 0:
        return None
    return (abs(quantity_in - quantity_out) * 100 / quantity_in).quantize(Decimal("0.01"))


def trace_outcome(
    directions: Sequence[DirectionFacts], *, target_hours: Decimal, tolerance_percent: Decimal
) -> TraceOutcome:
    """The result of a trace test of one lot from its directions (see the module's rules),
    with every reason it fails, in the active language."""
    if not directions:
        raise ValueError("A trace test needs at least one direction.")
    by_direction = {d.direction: d for d in directions}
    reasons: list[str] = []
    if BACKWARD not in by_direction:
        reasons.append(_("One step back (inputs and suppliers) was not traced."))
    if FORWARD not in by_direction:
        reasons.append(_("One step forward (customers) was not traced."))
    target = Decimal(str(target_hours))
    for facts in directions:
        if facts.hours > target:
            reasons.append(
                _("The %(direction)s trace took %(hours)s h, more than the target of %(target)s h.")
                % {
                    "direction": _("backward") if facts.direction == BACKWARD else _("forward"),
                    "hours": facts.hours,
                    "target": target,
                }
            )
    quantity_in = total(by_direction[BACKWARD].inputs) if BACKWARD in by_direction else Decimal(0)
    quantity_out = total(by_direction[FORWARD].outputs) if FORWARD in by_direction else Decimal(0)
    difference = mass_balance_percent(quantity_in, quantity_out)
    tolerance = Decimal(str(tolerance_percent))
    if BACKWARD in by_direction and FORWARD in by_direction:
        if difference is None:
            reasons.append(_("No input quantity was shown: the mass balance cannot be checked."))
        elif difference > tolerance:
            reasons.append(
                _(
                    "The mass balance differs by %(difference)s %% (inputs %(qin)s, outputs "
                    "%(qout)s), more than the tolerance of %(tolerance)s %%."
                )
                % {
                    "difference": difference,
                    "qin": quantity_in,
                    "qout": quantity_out,
                    "tolerance": tolerance,
                }
            )
    return TraceOutcome(
        passed=not reasons,
        reasons=reasons,
        quantity_in=quantity_in,
        quantity_out=quantity_out,
        difference_percent=difference,
        started_at=min(d.started_at for d in directions),
        ended_at=max(d.answered_at for d in directions),
        directions=tuple(sorted(by_direction)),
    )
