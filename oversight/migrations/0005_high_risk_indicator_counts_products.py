"""The high-risk indicator counts listed products, not groups (issue 15): its default label
says so. Rows a province renamed are left alone."""

from django.db import migrations

OLD = (
    "Nhóm sản phẩm, hàng hóa có nguy cơ rủi ro cao được truy xuất nguồn gốc theo lộ trình",
    "High-risk product groups traceable on the legal roadmap",
)
NEW = (
    "Sản phẩm, hàng hóa có nguy cơ rủi ro cao được truy xuất nguồn gốc theo lộ trình",
    "High-risk products traceable on the legal roadmap",
)


def relabel(apps, schema_editor, old=OLD, new=NEW):
    PlanTarget = apps.get_model("oversight", "PlanTarget")
    PlanTarget.objects.filter(code="high_risk_traceable", label_vi=old[0]).update(label_vi=new[0])
    PlanTarget.objects.filter(code="high_risk_traceable", label_en=old[1]).update(label_en=new[1])


def restore(apps, schema_editor):
    relabel(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [("oversight", "0004_indicators_products_outside_task_groups")]

    operations = [migrations.RunPython(relabel, restore)]
