from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("qms_portal", "0016_notifications")]

    operations = [
        migrations.AddField(
            model_name="outboxemail",
            name="calendar",
            field=models.TextField(blank=True, help_text="An iCalendar file attached to it (a meeting invitation)."),
        ),
    ]
