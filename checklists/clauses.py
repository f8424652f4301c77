"""Clause references of TCVN 12850:2019: which are verified and how inferred ones are printed.

Only §5.5.1 and §5.5.2 of TCVN 12850:2019 were read in a public source; the other clause
numbers are inferred from the order of the requirement groups (standards.md). A report never
prints an inferred number as fact: it prints the requirement group instead
("TCVN 12850:2019 \u2013 yêu cầu về định danh").
"""

import re

DASH = "\u2013"
VERIFIED = "verified"
INFERRED = "inferred"

# The requirement groups of TCVN 12850:2019, in the standard's order (numbered 5.1 to 5.5 [I]).
REQUIREMENT_GROUPS = {
    "5.1": ("khả năng tương tác", "interoperability"),
    "5.2": ("tính đa dạng", "diversity"),
    "5.3": ("định danh", "identification"),
    "5.4": ("phạm vi của hệ thống", "scope of the system"),
    "5.5": ("quản lý hệ thống", "system management"),
}
VERIFIED_CLAUSES = frozenset({"5.5.1", "5.5.2"})

_CLAUSE = re.compile(
    r"(?:TCVN\s*12850(?::2019)?\s*)?§\s*(5(?:\.\d+)+)(?:\s*[\u2013-]\s*§?\s*5(?:\.\d+)+)?"
)


def _numbers(clause: str) -> list[str]:
    return [m.group(1) for m in _CLAUSE.finditer(clause or "")]


def clause_status_of(clause: str) -> str:
    """`inferred` when the text cites a TCVN 12850 clause number other than §5.5.1/§5.5.2,
    else `verified` (other references — circulars, GS1 documents — are cited as read)."""
    numbers = _numbers(clause)
    if any(n not in VERIFIED_CLAUSES for n in numbers):
        return INFERRED
    return VERIFIED


def group_of(number: str) -> tuple[str, str] | None:
    return REQUIREMENT_GROUPS.get(".".join(number.split(".")[:2]))


def clause_as_printed(clause: str, status: str = "", *, english: bool = False) -> str:
    """The clause as a report prints it: as written when verified; when inferred, each
    TCVN 12850 clause number replaced by its requirement group."""
    status = status or clause_status_of(clause)
    if status != INFERRED:
        return clause or ""

    def replace(match: re.Match) -> str:
        group = group_of(match.group(1))
        if group is None:
            return "TCVN 12850:2019"
        vi, en = group
        label = f"requirements on {en}" if english else f"yêu cầu về {vi}"
        return f"TCVN 12850:2019 {DASH} {label}"

    return _CLAUSE.sub(replace, clause or "")
