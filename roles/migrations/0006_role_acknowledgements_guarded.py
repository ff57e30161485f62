"""On PostgreSQL, refuse to delete role acknowledgements in the database itself (``qms_portal.db_guards``)."""
from django.db import migrations

from qms_portal.db_guards import retained_table_guard


class Migration(migrations.Migration):
    dependencies = [
        ("roles", "0005_matrix_import_reason"),
        ("qms_portal", "0014_retained_records_guarded"),
    ]
    operations = [retained_table_guard("roles_roleacknowledgement")]
