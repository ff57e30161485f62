"""Indexes for the audit trail page at a few hundred thousand entries (issue 15): each filter by the id too, so that a
page of the newest-first keyset list reads its rows in order; a person by account, a command or task by its name."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('qms_portal', '0018_organisation_reminder_schedule_and_manager'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditentry',
            name='actor',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='created_at',
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='record_type',
            field=models.CharField(max_length=100),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(fields=['record_type', 'id'], name='audit_kind_id'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(fields=['created_at', 'id'], name='audit_when_id'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(condition=models.Q(('actor__isnull', False)), fields=['actor', 'id'], name='audit_actor_id'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(condition=models.Q(('actor__isnull', True)), fields=['actor_name', 'id'], name='audit_label_id'),
        ),
    ]
