"""Audit time and multi-site sampling (ISO/IEC 17021-1 §9.1.4-9.1.5, IAF MD 1 practice).

1. Audit time: the scheme's man-day table gives the base man-days for the employees in scope;
   each sampled site beyond the first adds the table's per-site time.
2. Sample of sites: √n sites of n (rounded up), the riskiest (marked "risk": "high") always
   included, then the others in the order the application lists them — in a certificate's
   cycle, those not yet audited in it first, so that every site is visited over the cycle.
3. A reduction of the table's time needs a reason and is at most 30 % (IAF MD 5 practice).
"""

import math
from dataclasses import dataclass
from decimal import Decimal

# Default man-day table: (employees in scope up to, man-days); the last row has no limit.
DEFAULT_MAN_DAY_TABLE = [
    {"employees_up_to": 25, "man_days": "1.5"},
    {"employees_up_to": 65, "man_days": "2"},
    {"employees_up_to": 175, "man_days": "3"},
    {"employees_up_to": 500, "man_days": "4"},
    {"employees_up_to": None, "man_days": "5"},
]
DEFAULT_SITE_MAN_DAYS = Decimal("0.5")
MAX_REDUCTION_SHARE = Decimal("0.3")


def default_man_day_table() -> list[dict]:
    return [dict(row) for row in DEFAULT_MAN_DAY_TABLE]


@dataclass(frozen=True)
class AuditTime:
    base_man_days: Decimal
    site_man_days: Decimal
    man_days: Decimal
    sample: list[str]  # names of the sampled sites
    site_count: int


def site_sample(sites: list[dict], visited: set[str] | frozenset = frozenset()) -> list[str]:
    """Names of the sites to audit: ⌈√n⌉ of n, every high-risk site included, then the sites
    not in `visited` (audited earlier in the cycle) first."""
    names = [s.get("name", "") for s in sites or []]
    if len(names) <= 1:
        return names
    size = math.ceil(math.sqrt(len(names)))
    risky = [s.get("name", "") for s in sites if s.get("risk") == "high"]
    others = [n for n in names if n not in risky and n not in visited]
    others += [n for n in names if n not in risky and n in visited]
    chosen = risky + others[: max(size - len(risky), 0)]
    return [n for n in names if n in chosen]


def base_man_days(employees: int | None, table: list[dict]) -> Decimal:
    rows = table or DEFAULT_MAN_DAY_TABLE
    count = employees or 0
    for row in rows:
        limit = row.get("employees_up_to")
        if limit is None or count <= int(limit):
            return Decimal(str(row["man_days"]))
    return Decimal(str(rows[-1]["man_days"]))


def audit_time(
    *,
    sites: list[dict],
    employees: int | None,
    table: list[dict],
    visited: set[str] | frozenset = frozenset(),
) -> AuditTime:
    sample = site_sample(sites, visited)
    base = base_man_days(employees, table)
    extra = DEFAULT_SITE_MAN_DAYS * max(len(sample) - 1, 0)
    return AuditTime(
        base_man_days=base,
        site_man_days=extra,
        man_days=base + extra,
        sample=sample,
        site_count=len(sites or []),
    )
