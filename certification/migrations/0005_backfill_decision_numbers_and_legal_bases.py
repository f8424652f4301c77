"""Data: the updated legal bases on every scheme; the decisions made before numbering get
their number (in order of decision, per body and year), signer and legal bases; certificates
get their sector standard and initial certification date."""

from django.db import migrations

LEGAL_BASES = [
    "Căn cứ Luật Tiêu chuẩn và Quy chuẩn kỹ thuật số 68/2006/QH11 ngày 29 tháng 6 năm 2006;",
    "Căn cứ Luật Chất lượng sản phẩm, hàng hóa số 05/2007/QH12 ngày 21 tháng 11 năm 2007, "
    "được sửa đổi, bổ sung bởi Luật số 78/2025/QH15;",
    "Căn cứ Nghị định số 107/2016/NĐ-CP ngày 01 tháng 7 năm 2016 của Chính phủ quy định về "
    "điều kiện kinh doanh dịch vụ đánh giá sự phù hợp, được sửa đổi, bổ sung bởi Nghị định số "
    "154/2018/NĐ-CP;",
    "Căn cứ Thông tư số 28/2012/TT-BKHCN ngày 12 tháng 12 năm 2012 của Bộ trưởng Bộ Khoa học "
    "và Công nghệ quy định về công bố hợp chuẩn, công bố hợp quy và phương thức đánh giá sự "
    "phù hợp với tiêu chuẩn, quy chuẩn kỹ thuật;",
    "Căn cứ Thông tư số 02/2024/TT-BKHCN ngày 28 tháng 3 năm 2024 của Bộ trưởng Bộ Khoa học và "
    "Công nghệ quy định về quản lý truy xuất nguồn gốc sản phẩm, hàng hóa;",
]


def forward(apps, schema_editor):
    Scheme = apps.get_model("certification", "Scheme")
    Decision = apps.get_model("certification", "Decision")
    Certificate = apps.get_model("certification", "Certificate")
    Counter = apps.get_model("core", "Counter")

    Scheme.objects.all().update(legal_bases=LEGAL_BASES)

    for decision in (
        Decision.objects.filter(number="")
        .select_related("application__body", "application__scheme", "decision_maker")
        .order_by("decided_on", "id")
    ):
        code = decision.application.body.code
        year = decision.decided_on.year
        counter, _ = Counter.objects.get_or_create(series=f"decision:{code}", year=year)
        counter.value += 1
        counter.save(update_fields=["value"])
        decision.number = f"{counter.value}/{year}/QĐ-{code}"
        user = decision.decision_maker
        decision.signer_name = (
            (user.full_name or "").strip()
            or f"{user.first_name} {user.last_name}".strip()
            or user.username
        )
        decision.legal_bases = list(decision.application.scheme.legal_bases or LEGAL_BASES)
        decision.save(update_fields=["number", "signer_name", "legal_bases"])

    for certificate in Certificate.objects.select_related("application").filter(
        initially_certified_on__isnull=True
    ):
        certificate.initially_certified_on = certificate.valid_from
        certificate.sector_standard = certificate.application.sector_standard
        certificate.save(update_fields=["initially_certified_on", "sector_standard"])


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0004_decision_numbers_and_certificate_content"),
        ("core", "0003_counter_and_log_data_encoder"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
