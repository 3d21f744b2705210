from django.contrib.auth.management import create_permissions
from django.db import migrations

# What the Administrator group may do in Django admin. Deleting patient records stays
# with the nurses' workspace (with its confirmation and history), not the admin.
GRANTS = {
    "patients": {
        "patient": ("view", "add", "change"),
        "cancerdiagnosis": ("view", "add", "change"),
        "treatment": ("view", "add", "change"),
        "diseasestatusevent": ("view", "add", "change"),
    },
    "followup": {
        "careplantemplate": ("view", "add", "change"),
        "schedulerule": ("view", "add", "change", "delete"),
        "careplan": ("view", "change"),
        "followupvisit": ("view", "change"),
    },
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    administrators, _ = Group.objects.get_or_create(name="Administrator")
    for app_label, models in GRANTS.items():
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions]
            administrators.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("followup", "0002_seed_templates"),
        ("patients", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
