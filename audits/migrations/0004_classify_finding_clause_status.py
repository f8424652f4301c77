"""Data: mark the clause each finding cites verified or inferred (checklists.clauses)."""

from django.db import migrations


def forward(apps, schema_editor):
    from checklists.clauses import clause_status_of

    Finding = apps.get_model("audits", "Finding")
    for finding in Finding.objects.exclude(clause_reference="").only("pk", "clause_reference"):
        Finding.objects.filter(pk=finding.pk).update(
            clause_status=clause_status_of(finding.clause_reference)
        )


class Migration(migrations.Migration):
    dependencies = [("audits", "0003_finding_clause_status")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
