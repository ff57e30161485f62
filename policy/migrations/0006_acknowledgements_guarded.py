"""On PostgreSQL, refuse to delete acknowledgements in the database itself (``qms_portal.db_guards``)."""
from django.db import migrations

from qms_portal.db_guards import retained_table_guard


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0005_seal_existing_signatures"),
        ("qms_portal", "0014_retained_records_guarded"),
    ]
    operations = [retained_table_guard("policy_acknowledgement")]
