"""The targets of Gia Lai's plan for Đề án 100, 2026–2030 (../shared/spec/standards.md), as
the default of every province (rows without a jurisdiction). Editable afterwards: the admin
changes a default, a regulator sets their province's own value."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    # code, Vietnamese, English, target, unit, computed
    (
        "enterprises_certified",
        "Doanh nghiệp được chứng nhận hệ thống truy xuất nguồn gốc phù hợp tiêu chuẩn quốc gia "
        "hoặc quốc tế",
        "Enterprises certified to a national or international traceability standard",
        10,
        "doanh nghiệp",
        True,
    ),
    (
        "high_risk_traceable",
        "Nhóm sản phẩm, hàng hóa có nguy cơ rủi ro cao được truy xuất nguồn gốc theo lộ trình",
        "High-risk product groups traceable on the legal roadmap",
        100,
        "%",
        True,
    ),
    (
        "models_supported",
        "Mô hình truy xuất nguồn gốc được hỗ trợ xây dựng",
        "Traceability models supported",
        30,
        "mô hình",
        False,
    ),
    (
        "enterprises_replicating",
        "Doanh nghiệp nhân rộng mô hình truy xuất nguồn gốc",
        "Enterprises replicating the traceability models",
        30,
        "doanh nghiệp",
        False,
    ),
    (
        "officials_trained",
        "Lượt cán bộ, công chức được đào tạo, tập huấn về truy xuất nguồn gốc",
        "Civil-servant training turns on traceability",
        10,
        "lượt",
        False,
    ),
    (
        "awareness_classes",
        "Lớp tập huấn nâng cao nhận thức cho doanh nghiệp",
        "Awareness classes for enterprises",
        10,
        "lớp",
        False,
    ),
    (
        "articles",
        "Tin, bài, phóng sự tuyên truyền về truy xuất nguồn gốc",
        "Articles and reports on traceability",
        5,
        "tin, bài",
        False,
    ),
    (
        "conferences",
        "Hội nghị, hội thảo, tọa đàm về truy xuất nguồn gốc",
        "Conferences, seminars and workshops on traceability",
        5,
        "hội nghị",
        False,
    ),
    (
        "portal_connected",
        "Hệ thống truy xuất nguồn gốc cấp tỉnh được duy trì và kết nối với Cổng thông tin truy "
        "xuất nguồn gốc sản phẩm, hàng hóa quốc gia",
        "Provincial traceability system maintained and connected to the national portal",
        1,
        "hệ thống",
        False,
    ),
]


def seed(apps, schema_editor):
    PlanTarget = apps.get_model("oversight", "PlanTarget")
    for position, (code, label_vi, label_en, value, unit, computed) in enumerate(DEFAULTS, 1):
        PlanTarget.objects.get_or_create(
            jurisdiction=None,
            code=code,
            defaults={
                "position": position,
                "label_vi": label_vi,
                "label_en": label_en,
                "target_value": Decimal(value),
                "unit": unit,
                "computed": computed,
                "year_from": 2026,
                "year_to": 2030,
            },
        )


def unseed(apps, schema_editor):
    PlanTarget = apps.get_model("oversight", "PlanTarget")
    codes = [row[0] for row in DEFAULTS]
    PlanTarget.objects.filter(jurisdiction=None, code__in=codes, activities__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_plan_and_portal_records")]

    operations = [migrations.RunPython(seed, unseed)]
