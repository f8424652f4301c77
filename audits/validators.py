"""GS1 identifiers checked when an audit records them (defined with the product scope)."""

from certification.validators import GTIN_LENGTHS, gs1_check_digit, validate_gtin

__all__ = ["GTIN_LENGTHS", "gs1_check_digit", "validate_gtin"]
