"""On PostgreSQL, refuse UPDATE and DELETE of audit entries in the database itself.

SQLite, the embedded default, relies on the ORM's refusal and on the hash chain.
"""
from django.db import migrations

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION qms_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER qms_audit_append_only
    BEFORE UPDATE OR DELETE ON qms_portal_auditentry
    FOR EACH ROW EXECUTE FUNCTION qms_audit_refuse_change();
CREATE TRIGGER qms_audit_no_truncate
    BEFORE TRUNCATE ON qms_portal_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION qms_audit_refuse_change();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS qms_audit_no_truncate ON qms_portal_auditentry;
DROP TRIGGER IF EXISTS qms_audit_append_only ON qms_portal_auditentry;
DROP FUNCTION IF EXISTS qms_audit_refuse_change();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER_SQL, params=None)  # None: the SQL holds a literal %


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("qms_portal", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
