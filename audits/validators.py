"""GS1 identifiers checked when an audit records them."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

GTIN_LENGTHS = (8, 12, 13, 14)


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of the digits before it: from the right, weights 3, 1, 3, …"""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def validate_gtin(value: str) -> None:
    """A GTIN-8, -12, -13 or -14: digits only, the last one the GS1 check digit."""
    value = value or ""
    if not value.isdigit() or len(value) not in GTIN_LENGTHS:
        raise ValidationError(
            _("A GTIN has 8, 12, 13 or 14 digits and nothing else (e.g. 8936012345678)."),
            code="gtin_format",
        )
    expected = gs1_check_digit(value[:-1])
    if expected != int(value[-1]):
        raise ValidationError(
            _(
                "This GTIN is not valid: its last digit should be %(expected)d (GS1 check "
                "digit). Check the number on the label."
            ),
            code="gtin_checksum",
            params={"expected": expected},
        )
