"""Data: mark each checklist item's clause verified or inferred (checklists.clauses)."""

from django.db import migrations


def forward(apps, schema_editor):
    from checklists.clauses import clause_status_of

    ChecklistItem = apps.get_model("checklists", "ChecklistItem")
    for item in ChecklistItem.objects.only("pk", "clause"):
        ChecklistItem.objects.filter(pk=item.pk).update(clause_status=clause_status_of(item.clause))


class Migration(migrations.Migration):
    dependencies = [("checklists", "0003_item_clause_status")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
