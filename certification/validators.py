"""Vietnamese identifiers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_TAX_CODE = re.compile(r"^(\d{10})(?:-(\d{3}))?$")
# Weights of the check digit (10th digit) over the first nine digits of a mã số thuế.
_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def tax_code_check_digit(first_nine: str) -> int | None:
    """The 10th digit of a tax code whose first nine digits are given; None when no digit
    can be valid (the weighted sum is a multiple of 11)."""
    remainder = sum(w * int(d) for w, d in zip(_TAX_WEIGHTS, first_nine, strict=True)) % 11
    check = 10 - remainder
    return check if check <= 9 else None


def validate_tax_code(value: str) -> None:
    """A Vietnamese tax code (mã số thuế): 10 digits, or 10 digits, '-' and a 3-digit branch
    number; the 10th digit is the check digit of the first nine."""
    match = _TAX_CODE.match(value or "")
    if not match:
        raise ValidationError(
            _(
                "Enter a tax code of 10 digits, or 10 digits followed by '-' and a 3-digit "
                "branch number (e.g. 0100233488 or 0100233488-001)."
            ),
            code="tax_code_format",
        )
    main, branch = match.groups()
    if main[2:9] == "0000000" or branch == "000":
        raise ValidationError(
            _("This tax code is not valid: its serial part is zero."), code="tax_code_zero"
        )
    if tax_code_check_digit(main[:9]) != int(main[9]):
        raise ValidationError(
            _("This tax code is not valid: the check digit (10th digit) does not match."),
            code="tax_code_checksum",
        )


_BODY_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")


def validate_body_code(value: str) -> None:
    if not _BODY_CODE.match(value or ""):
        raise ValidationError(
            _(
                "A body code is 2 to 12 capital letters or digits, starting with a letter "
                "(e.g. GLCERT)."
            ),
            code="body_code_format",
        )


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


def gtin_is_valid(value: str) -> bool:
    try:
        validate_gtin(value)
    except ValidationError:
        return False
    return True
