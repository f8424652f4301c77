"""Sample files: legacy certificates of a body, as a body would bring them in (the demo's
sample file, the tests and the benchmark use the same generator).

States are left to the dates (empty "state" column) except one withdrawn certificate, so the
committed sample imports cleanly whatever the day it is imported."""

from __future__ import annotations

import datetime

from certification.validators import tax_code_check_digit

PRODUCTS = [
    "Cà phê nhân Robusta",
    "Hồ tiêu đen",
    "Sầu riêng tươi",
    "Chanh dây",
    "Mật ong hoa cà phê",
    "Chè xanh",
    "Bơ sáp",
    "Mắc ca",
]
COMMUNES = ["Chư Sê", "Ia Grai", "Đak Đoa", "Chư Prông", "Mang Yang", "Đức Cơ", "Chư Păh"]


def tax_code(n: int, prefix: str = "58") -> str:
    """The n-th valid tax code of a range used only by samples (prefix + serial + check)."""
    serial = 3_000_000 + n
    while True:
        first_nine = f"{prefix}{serial:07d}"
        digit = tax_code_check_digit(first_nine)
        if digit is not None:
            return f"{first_nine}{digit}"
        serial += 2_000_000


def legacy_certificates(
    count: int = 20,
    *,
    body_code: str = "GLCERT",
    province: str = "gia-lai",
    first_year: int = 2021,
    years: int = 5,
    start: int = 1,
) -> list[dict]:
    """`count` legacy certificates of `body_code`, in its own number series, each of a holder
    not yet in the system, issued from `first_year` over `years` years (three years' validity:
    the older ones are expired, the recent ones valid)."""
    records = []
    for i in range(start, start + count):
        year = first_year + (i % years)
        issued = datetime.date(year, 1 + (i * 5) % 12, 1 + (i * 7) % 27)
        valid_until = issued.replace(year=issued.year + 3) - datetime.timedelta(days=1)
        product = PRODUCTS[i % len(PRODUCTS)]
        commune = COMMUNES[i % len(COMMUNES)]
        records.append(
            {
                "number": f"{body_code}-TXNG-{year}-{9000 + i:04d}"
                if count < 1000
                else f"{body_code}-TXNG-{year}-{100000 + i:06d}",
                "holder_tax_code": tax_code(i),
                "holder_name": f"Hợp tác xã {product} {commune} {i}",
                "holder_address": f"Thôn {1 + i % 9}, xã {commune}",
                "holder_province": province,
                "products": f"{product}; {product} sấy khô",
                "sites": f"Vùng trồng {commune} | xã {commune}; Xưởng sơ chế | xã {commune}",
                "stages": "primary_production; processing; packing",
                "issued_on": issued.strftime("%d/%m/%Y"),
                "valid_until": valid_until.strftime("%d/%m/%Y"),
                "state": "thu hồi" if i % 10 == 7 else "",
                "decision": f"{500 + i}/{year}/QĐ-{body_code}",
                "signer_name": "Nguyễn Văn Hùng",
            }
        )
    return records
