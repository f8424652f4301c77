"""On PostgreSQL, refuse UPDATE and DELETE of log rows in the database itself, so that even
raw SQL cannot rewrite history. (TRUNCATE, used by test teardown, is not a row operation.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION core_logentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_logentry is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_logentry_append_only
    BEFORE UPDATE OR DELETE ON core_logentry
    FOR EACH ROW EXECUTE FUNCTION core_logentry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS core_logentry_append_only ON core_logentry;
DROP FUNCTION IF EXISTS core_logentry_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
