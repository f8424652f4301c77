"""Existing qualifications become lines of the competence matrix: a lead qualification is a
"lead auditor" line (which also covers auditing), any other an "auditor" line. The last
witnessed audit is taken from the day the qualification started (the body's evaluation that
granted it), so that records older than 3 years ask for a new witnessed audit."""

from django.db import migrations

NOTE = "Ngày đánh giá chứng kiến lấy theo ngày bắt đầu hiệu lực khi chuyển sang ma trận năng lực."


def forwards(apps, schema_editor):
    Qualification = apps.get_model("audits", "AssessorQualification")
    for q in Qualification.objects.all().iterator():
        q.function = "lead" if q.is_lead_qualified else "auditor"
        q.witnessed_on = q.valid_from
        q.note = f"{q.note}\n{NOTE}".strip()
        q.save(update_fields=["function", "witnessed_on", "note"])


def backwards(apps, schema_editor):
    Qualification = apps.get_model("audits", "AssessorQualification")
    Qualification.objects.filter(function="lead").update(is_lead_qualified=True)


class Migration(migrations.Migration):
    dependencies = [("audits", "0008_competence_matrix")]

    operations = [migrations.RunPython(forwards, backwards)]
