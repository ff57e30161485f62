"""On PostgreSQL, refuse to delete signatures and audit anchors in the database itself (and to change anchors);
the trigger function that the apps' migrations use for their own retained records (``qms_portal.db_guards``)."""
from django.db import migrations

from qms_portal.db_guards import retained_function, retained_table_guard


class Migration(migrations.Migration):
    dependencies = [("qms_portal", "0013_audit_anchors")]
    operations = [
        retained_function(),
        retained_table_guard("qms_portal_electronicsignature"),
        retained_table_guard("qms_portal_auditanchor", refuse_update=True),
    ]
