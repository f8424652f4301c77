from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("audits", "0009_competence_from_lead_flag")]

    operations = [
        migrations.RemoveField(model_name="assessorqualification", name="is_lead_qualified"),
    ]
