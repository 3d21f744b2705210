from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ("view_reminder", "view_deliveryattempt", "view_checkin", "view_reminderpreference")


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    administrators, _ = Group.objects.get_or_create(name="Administrator")
    administrators.permissions.add(
        *Permission.objects.filter(content_type__app_label="followup", codename__in=CODENAMES)
    )


class Migration(migrations.Migration):
    dependencies = [("followup", "0005_modalities")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
