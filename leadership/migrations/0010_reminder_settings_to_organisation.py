"""The three reminder settings of the readiness thresholds (review reminders' days, overdue action repeats and
escalation) move to the organisation's reminder schedule (``Organisation.reminder_schedule``), where every kind's
days are set: values the organisation changed are kept there; values left at their defaults are not stored, so they
follow the defaults as before."""
from django.conf import settings
from django.db import migrations

# key: (field on ReadinessSettings, its default); the keys are those leadership.reminders reads.
MOVED = {
    "review_reminder_days": ("review_reminder_days", [14, 7, 1]),
    "action_reminder_repeat_days": ("action_reminder_repeat_days", 7),
    "action_escalation_days": ("action_escalation_days", 14),
}


def _days(text):
    return sorted({int(part) for part in str(text).replace(" ", "").split(",") if part}, reverse=True)


def to_organisation(apps, schema_editor):
    row = apps.get_model("leadership", "ReadinessSettings").objects.first()
    if row is None:
        return
    moved = {}
    for key, (field, default) in MOVED.items():
        value = getattr(row, field)
        if key == "review_reminder_days":
            value = _days(value)
        if value != default:
            moved[key] = value
    if not moved:
        return
    Organisation = apps.get_model("qms_portal", "Organisation")
    organisation = Organisation.objects.order_by("pk").first() or Organisation(time_zone=settings.TIME_ZONE)
    organisation.reminder_schedule = {**(organisation.reminder_schedule or {}), **moved}
    organisation.save()


def to_readiness(apps, schema_editor):
    organisation = apps.get_model("qms_portal", "Organisation").objects.order_by("pk").first()
    schedule = (organisation.reminder_schedule or {}) if organisation else {}
    if not any(key in schedule for key in MOVED):
        return
    ReadinessSettings = apps.get_model("leadership", "ReadinessSettings")
    row = ReadinessSettings.objects.first() or ReadinessSettings()
    for key, (field, _default) in MOVED.items():
        if key in schedule:
            value = schedule[key]
            setattr(row, field, ", ".join(str(n) for n in value) if isinstance(value, list) else value)
    row.save()


class Migration(migrations.Migration):

    dependencies = [
        ("leadership", "0009_reminder_settings"),
        ("qms_portal", "0018_organisation_reminder_schedule_and_manager"),
    ]

    operations = [
        migrations.RunPython(to_organisation, to_readiness),
    ]
