"""Evidence packs and their parts; top management, the quality manager and auditors may make and download them."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from qms_portal.capability_grants import grant, revoke

GRANTS = {
    "Top management": ["make_evidence_packs"], "Quality manager": ["make_evidence_packs"], "Auditor": ["make_evidence_packs"],
}


def forwards(apps, schema_editor):
    grant(apps, "leadership", "commitment", GRANTS)


def backwards(apps, schema_editor):
    revoke(apps, "leadership", "commitment", GRANTS)


class Migration(migrations.Migration):

    dependencies = [
        ('leadership', '0006_readiness_settings_and_snapshots'),
        ('qms_portal', '0015_job_cancelled'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='commitment',
            options={'ordering': ['code'], 'permissions': [('view_leadership', 'Read commitments, evidence, management reviews, actions and objectives'), ('record_evidence', 'Record evidence of what top management did for the QMS'), ('manage_commitments', 'Name the top manager accountable for a commitment and how often it is evidenced'), ('manage_reviews', 'Plan and run management reviews: inputs, attendance, decisions, closing'), ('sign_minutes', 'Sign the minutes of a management review they chaired'), ('manage_actions', 'Create actions for anyone and change any action'), ('manage_objectives', "Create and change quality objectives; record any objective's measurements"), ('record_measurements', 'Record measurements of the quality objectives they own'), ('view_dashboard', 'Open the executive dashboard: what needs them, the engagement scorecard, the objectives'), ('make_evidence_packs', 'Make evidence packs for a period, follow and cancel them, and download them')]},
        ),
        migrations.CreateModel(
            name='EvidencePack',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(blank=True, help_text='EP-<year>-<serial>', max_length=20, unique=True)),
                ('scope', models.CharField(choices=[('5', 'The whole of Clause 5 (5.1, 5.2, 5.3 and management review 9.3)'), ('5.1', '5.1 Leadership and commitment'), ('5.2', '5.2 Policy'), ('5.3', '5.3 Organizational roles, responsibilities and authorities'), ('9.3', '9.3 Management review')], default='5', max_length=5)),
                ('period_start', models.DateField()),
                ('period_end', models.DateField()),
                ('time_zone', models.CharField(max_length=64)),
                ('made_by_name', models.CharField(blank=True, max_length=200)),
                ('made_by_username', models.CharField(blank=True, max_length=150)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('file', models.CharField(blank=True, help_text='Path under the media folder.', max_length=200)),
                ('size_bytes', models.PositiveBigIntegerField(default=0)),
                ('pages', models.PositiveIntegerField(default=0)),
                ('sha256', models.CharField(blank=True, db_index=True, max_length=64)),
                ('summary', models.JSONField(blank=True, default=dict)),
                ('job', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='evidence_pack', to='qms_portal.job')),
                ('made_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='EvidencePackPart',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField()),
                ('section', models.CharField(max_length=20)),
                ('label', models.CharField(max_length=200)),
                ('args', models.JSONField(blank=True, default=dict)),
                ('weight', models.PositiveIntegerField(default=1)),
                ('status', models.CharField(choices=[('waiting', 'Waiting'), ('done', 'Done')], default='waiting', max_length=10)),
                ('file', models.CharField(blank=True, max_length=200)),
                ('pages', models.PositiveIntegerField(default=0)),
                ('rendered_in', models.FloatField(blank=True, help_text='Seconds WeasyPrint took.', null=True)),
                ('rendered_by', models.CharField(blank=True, help_text='The worker process: host and process id.', max_length=200)),
                ('deliveries', models.PositiveSmallIntegerField(default=0, help_text='Times a worker started drawing it.')),
                ('pack', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='parts', to='leadership.evidencepack')),
            ],
            options={
                'ordering': ['pack', 'position'],
            },
        ),
        migrations.AddConstraint(
            model_name='evidencepack',
            constraint=models.CheckConstraint(condition=models.Q(('period_start__lte', models.F('period_end'))), name='evidence_pack_period_ordered'),
        ),
        migrations.AddConstraint(
            model_name='evidencepackpart',
            constraint=models.UniqueConstraint(fields=('pack', 'position'), name='evidence_pack_part_position'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
