import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from certification.validators import tax_code_check_digit, validate_tax_code


@pytest.mark.parametrize("code", ["0100233488", "0314409058-002", "5900432185"])
def test_real_shaped_tax_codes_are_accepted(code):
    validate_tax_code(code)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("", "tax_code_format"),
        ("010023348", "tax_code_format"),  # 9 digits
        ("01002334881", "tax_code_format"),  # 11 digits
        ("0100233488-01", "tax_code_format"),  # branch of 2 digits
        ("0100233488 001", "tax_code_format"),
        ("01002334A8", "tax_code_format"),
        ("0100233480", "tax_code_checksum"),  # wrong check digit
        ("0100000000", "tax_code_zero"),
        ("0100233488-000", "tax_code_zero"),
    ],
)
def test_invalid_tax_codes_are_refused_with_a_reason(code, error):
    with pytest.raises(ValidationError) as exc:
        validate_tax_code(code)
    assert exc.value.code == error


def test_the_message_explains_the_expected_format():
    with pytest.raises(ValidationError) as exc:
        validate_tax_code("12345")
    assert "10" in exc.value.messages[0]
    assert "-" in exc.value.messages[0]


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9).filter(
    lambda s: s[2:] != "0000000"
)


@given(nine_digits)
def test_a_code_with_its_computed_check_digit_is_valid_and_any_other_digit_is_not(first_nine):
    digit = tax_code_check_digit(first_nine)
    for candidate in range(10):
        code = f"{first_nine}{candidate}"
        if candidate == digit:
            validate_tax_code(code)
            validate_tax_code(f"{code}-001")
        else:
            with pytest.raises(ValidationError):
                validate_tax_code(code)
