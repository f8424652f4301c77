"""What a certificate and a decision say, in one place.

`certificate_face()` and `decision_face()` read the database once and return plain dataclasses;
the .docx renderers (and any other rendering of the same documents, e.g. PDF) print from them,
so every rendering carries the same number, dates, standards, signer and legal bases.
"""

import datetime
from dataclasses import dataclass, field

from documents.generation.common import address_of, stage_names

# “Chứng nhận hợp chuẩn” is the legal term for certification of conformity to a national
# standard (TCVN; Law 68/2006 on standards, Circular 28/2012/TT-BKHCN).
CONFORMITY_VI = "chứng nhận hợp chuẩn"
CONFORMITY_EN = "certification of conformity to standard"


@dataclass(frozen=True)
class CertificateFace:
    number: str
    version: int
    state: str
    title_vi: str
    title_en: str
    conformity_vi: str  # "chứng nhận hợp chuẩn" for a TCVN, else "chứng nhận phù hợp"
    conformity_en: str
    holder_name: str
    holder_address: str
    holder_tax_code: str
    standard: str
    sector_standard: str
    scheme_name: str
    products: list[str]
    stages: list[tuple[str, str]]  # (Vietnamese, English)
    sites: list[str]
    decision_number: str
    decision_date: datetime.date | None
    issued_on: datetime.date
    initially_certified_on: datetime.date | None
    valid_from: datetime.date
    valid_until: datetime.date
    original_valid_until: datetime.date
    # Not valid between these days (expired, then restored by a decision): shown as a gap.
    lapsed_from: datetime.date | None
    lapsed_until: datetime.date | None
    body_name: str
    body_address: str
    body_place: str
    body_registration_number: str
    accreditation_body: str
    accreditation_number: str
    signer_name: str
    signer_title: str
    verification_url: str
    # A certificate transferred from another body: "<body> · <its number>".
    transferred_from: str = ""

    @property
    def standards(self) -> str:
        """“TCVN 12850:2019 và TCVN 12827:2023” (the sector standard when there is one)."""
        if self.sector_standard and self.sector_standard != self.standard:
            return f"{self.standard} và {self.sector_standard}"
        return self.standard

    @property
    def standards_en(self) -> str:
        if self.sector_standard and self.sector_standard != self.standard:
            return f"{self.standard} and {self.sector_standard}"
        return self.standard

    @property
    def has_gap(self) -> bool:
        return self.lapsed_from is not None and self.lapsed_until is not None


@dataclass(frozen=True)
class DecisionFace:
    number: str
    decided_on: datetime.date
    outcome: str
    reasons: str
    place: str
    body_name: str
    body_code: str
    body_registration_number: str
    authority_name: str
    application_number: str
    enterprise_name: str
    enterprise_tax_code: str
    enterprise_address: str
    standard: str
    sector_standard: str
    conformity_vi: str
    legal_bases: list[str]
    signer_name: str
    signer_title: str
    appeal_days: int
    restoration: bool
    certificate: CertificateFace | None = None
    scope_vi: str = ""
    extra: dict = field(default_factory=dict)
    # The application's kind: a scope reduction or a transfer words the grant its own way.
    application_kind: str = ""
    transferred_from: str = ""

    @property
    def grant_subject(self) -> str:
        """The decision's subject (“Về việc … giấy chứng nhận …”) for a grant."""
        if self.restoration:
            return "khôi phục hiệu lực"
        if self.application_kind == "scope_reduction":
            return "thu hẹp phạm vi và cấp lại"
        if self.application_kind == "scope_extension":
            return "mở rộng phạm vi và cấp lại"
        if self.application_kind == "transfer":
            return "chuyển đổi và cấp"
        return "cấp"

    @property
    def grant_verb(self) -> str:
        """The first words of Điều 1 for a grant."""
        if self.restoration:
            return "Khôi phục hiệu lực"
        if self.application_kind == "scope_reduction":
            return "Thu hẹp phạm vi chứng nhận và cấp lại"
        if self.application_kind == "scope_extension":
            return "Mở rộng phạm vi chứng nhận và cấp lại"
        if self.application_kind == "transfer":
            return f"Chuyển đổi giấy chứng nhận ({self.transferred_from}) và cấp"
        return "Cấp"

    @property
    def standards(self) -> str:
        if self.sector_standard and self.sector_standard != self.standard:
            return f"{self.standard} và {self.sector_standard}"
        return self.standard

    @property
    def certificate_kind(self) -> str:
        """“Giấy chứng nhận hợp chuẩn” for a TCVN, else “Giấy chứng nhận”."""
        return (
            "Giấy chứng nhận hợp chuẩn"
            if self.conformity_vi == CONFORMITY_VI
            else "Giấy chứng nhận"
        )


def _conformity(standard: str) -> tuple[str, str]:
    if standard.strip().upper().startswith("TCVN"):
        return CONFORMITY_VI, CONFORMITY_EN
    return "chứng nhận phù hợp", "certification of conformity"


def _products(items) -> list[str]:
    return [
        p.get("name", "") + (f" (GTIN {p['gtin']})" if p.get("gtin") else "") for p in items or []
    ]


def _sites(items) -> list[str]:
    return [
        s.get("name", "") + (f", {s['address']}" if s.get("address") else "") for s in items or []
    ]


def _signer(decision) -> tuple[str, str]:
    from certification.services.decisions import DEFAULT_SIGNER_TITLE

    name = decision.signer_name or (
        decision.decision_maker.get_full_name() if decision.decision_maker_id else ""
    )
    return name, decision.signer_title or DEFAULT_SIGNER_TITLE


def certificate_face(certificate) -> CertificateFace:
    """Everything printed on `certificate` (load it with enterprise, body and their provinces,
    scheme, decision and decision maker to read it without further queries)."""
    from documents.generation.certificate import verification_url

    body = certificate.body
    decision = certificate.decision
    conformity_vi, conformity_en = _conformity(certificate.standard)
    national = conformity_vi == CONFORMITY_VI
    signer_name, signer_title = _signer(decision)
    lapsed = certificate.expired_on is not None and certificate.restored_on is not None
    return CertificateFace(
        number=certificate.number,
        version=certificate.version,
        state=certificate.state,
        title_vi="GIẤY CHỨNG NHẬN HỢP CHUẨN" if national else "GIẤY CHỨNG NHẬN",
        title_en="CERTIFICATE OF CONFORMITY TO STANDARD" if national else "CERTIFICATE",
        conformity_vi=conformity_vi,
        conformity_en=conformity_en,
        holder_name=certificate.enterprise.name,
        holder_address=address_of(certificate.enterprise),
        holder_tax_code=certificate.enterprise.tax_code,
        standard=certificate.standard,
        sector_standard=certificate.sector_standard,
        scheme_name=certificate.scheme.name,
        products=_products(certificate.products),
        stages=stage_names(certificate.stages or []),
        sites=_sites(certificate.sites),
        decision_number=decision.number,
        decision_date=decision.decided_on,
        issued_on=certificate.issued_on,
        initially_certified_on=certificate.initially_certified_on or certificate.valid_from,
        valid_from=certificate.valid_from,
        valid_until=certificate.valid_until,
        original_valid_until=certificate.original_valid_until,
        lapsed_from=certificate.expired_on if lapsed else None,
        lapsed_until=certificate.restored_on if lapsed else None,
        body_name=body.name,
        body_address=address_of(body),
        body_place=body.province.name,
        body_registration_number=body.registration_number,
        accreditation_body=body.accreditation_body,
        accreditation_number=body.accreditation_number,
        signer_name=signer_name,
        signer_title=signer_title,
        verification_url=verification_url(certificate.number),
        transferred_from=certificate.transferred_from,
    )


def decision_face(decision, certificate=None) -> DecisionFace:
    """Everything printed on `decision` (with `certificate` when it granted or restored one)."""
    from certification.models.schemes import DEFAULT_LEGAL_BASES

    application = decision.application
    body = application.body
    province = body.province
    enterprise = application.enterprise
    standard = certificate.standard if certificate else application.scheme.standard
    sector = (certificate.sector_standard if certificate else "") or application.sector_standard
    signer_name, signer_title = _signer(decision)
    source = certificate or application
    scope = (
        f"sản phẩm: {'; '.join(_products(source.products))}; "
        f"công đoạn: {'; '.join(vi for vi, _en in stage_names(source.stages or []))}; "
        f"địa điểm: {'; '.join(_sites(source.sites))}"
    )
    restoration = bool(
        certificate is not None
        and certificate.restored_on is not None
        and certificate.application_id != application.pk
    )
    return DecisionFace(
        number=decision.number,
        decided_on=decision.decided_on,
        outcome=decision.outcome,
        reasons=decision.reasons.strip(),
        place=province.name,
        body_name=body.name,
        body_code=body.code,
        body_registration_number=body.registration_number,
        authority_name=province.authority_name or f"Sở Khoa học và Công nghệ {province.name}",
        application_number=application.number,
        enterprise_name=enterprise.name,
        enterprise_tax_code=enterprise.tax_code,
        enterprise_address=address_of(enterprise),
        standard=standard,
        sector_standard=sector,
        conformity_vi=_conformity(standard)[0],
        legal_bases=list(decision.legal_bases or application.scheme.legal_bases or [])
        or list(DEFAULT_LEGAL_BASES),
        signer_name=signer_name,
        signer_title=signer_title,
        appeal_days=application.scheme.appeal_days,
        restoration=restoration,
        certificate=certificate_face(certificate) if certificate else None,
        scope_vi=scope,
        application_kind=application.kind,
        transferred_from=" · ".join(
            part
            for part in (
                application.previous_body_name,
                application.previous_certificate_number,
            )
            if part
        ),
    )
