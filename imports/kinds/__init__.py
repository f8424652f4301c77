"""The kinds of import: each declares its columns, checks rows (the dry run) and applies them."""

from imports.kinds.base import KINDS, Kind, get_kind


def _load() -> None:
    from imports.kinds import certificates, enterprises, oversight, qualifications  # noqa: F401


_load()
# The order of the import page: the most asked for first.
for _code in (
    "certificates",
    "enterprises",
    "qualifications",
    "high_risk_groups",
    "plan_activities",
):
    KINDS[_code] = KINDS.pop(_code)

__all__ = ["KINDS", "Kind", "get_kind"]
