"""The audit trail's hash unique by a constraint rather than unique=True, which on PostgreSQL also built an index for LIKE
queries on it that nothing runs; every append wrote both (issue 15: a 48,000-letter import spent a sixth of its
time in the two random-key indexes of the hash). The constraint's own index is rebuilt once here."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('qms_portal', '0020_user_manager_protect'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditentry',
            name='hash',
            field=models.CharField(max_length=64),
        ),
        migrations.AddConstraint(
            model_name='auditentry',
            constraint=models.UniqueConstraint(fields=('hash',), name='audit_hash_unique'),
        ),
    ]
