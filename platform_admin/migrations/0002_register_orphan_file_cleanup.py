"""Register the daily clean-up of orphaned uploads with django-celery-beat (data only)."""

from django.db import migrations

TASK_NAME = "platform: delete orphaned uploads"


def register(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="45", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC",
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={"task": "platform_admin.tasks.delete_orphan_files", "crontab": schedule, "enabled": True,
                  "description": "Payment proofs and attachments whose rows were rolled back."},
    )


def unregister(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()
    CrontabSchedule.objects.filter(minute="45", hour="3", day_of_week="*", day_of_month="*",
                                   month_of_year="*", periodictask__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("platform_admin", "0001_system_setting"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(register, unregister)]
