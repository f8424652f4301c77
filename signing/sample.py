"""A certificate built in memory, for the benchmark and the README's picture of a signed
certificate: nothing is read from or written to the database."""

import datetime


def sample_certificate():
    """An unsaved certificate with everything its face shows (no database needed)."""
    from certification.models import (
        Application,
        Certificate,
        Decision,
        Organisation,
        Province,
        Scheme,
    )
    from core.models import User

    province = Province(code="gia-lai", name="Gia Lai")
    body = Organisation(
        kind="certification_body",
        name="Trung tâm Chứng nhận Phù hợp Gia Lai",
        code="GLCERT",
        address="Số 17 Trần Hưng Đạo",
        commune="Phường Pleiku",
        province=province,
        registration_number="12/2026/ĐK-KHCN",
        accreditation_body="Văn phòng Công nhận Chất lượng (BoA)",
        accreditation_number="VICAS 123",
    )
    holder = Organisation(
        kind="enterprise",
        name="Công ty Cổ phần Sầu riêng và Hồ tiêu Ia Grai",
        tax_code="5901187641",
        address="Làng Dơr, Tỉnh lộ 664",
        commune="Xã Ia Grai",
        province=province,
    )
    scheme = Scheme(name="Chứng nhận hệ thống truy xuất nguồn gốc", standard="TCVN 12850:2019")
    decider = User(username="decider", full_name="Võ Quang Vinh")
    application = Application(number="HS-2026-000001", enterprise=holder, body=body)
    day = datetime.date(2026, 3, 5)
    decision = Decision(
        application=application,
        decision_maker=decider,
        decided_on=day,
        number="15/2026/QĐ-GLCERT",
        signer_name=decider.full_name,
        signer_title="Giám đốc",
    )
    return Certificate(
        number="GLCERT-TXNG-2026-0001",
        base_number="GLCERT-TXNG-2026-0001",
        version=0,
        decision=decision,
        enterprise=holder,
        body=body,
        scheme=scheme,
        standard="TCVN 12850:2019",
        sector_standard="TCVN 13773:2023",
        initially_certified_on=day,
        products=[{"name": "Sầu riêng Ri6", "gtin": "08930000000017"}],
        sites=[{"name": "Vườn Ia Grai", "address": "Làng Dơr"}],
        stages=["primary_production", "harvesting", "packing"],
        issued_on=day,
        valid_from=day,
        valid_until=day.replace(year=2029),
        original_valid_until=day.replace(year=2029),
    )
