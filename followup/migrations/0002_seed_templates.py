"""Seed one care-plan template per row of shared/clinical/surveillance.md, plus a fallback.

The data lives in followup/guidelines.py (with its sources and review flags); this
migration copies it into the database once. Later edits happen in Django admin, where
each save makes a new template version.
"""

from dataclasses import asdict

from django.db import migrations

from followup.rules.guidelines import TEMPLATES


def seed_templates(apps, schema_editor):

    Template = apps.get_model("followup", "CarePlanTemplate")
    Rule = apps.get_model("followup", "ScheduleRule")
    for spec in TEMPLATES:
        if Template.objects.filter(code=spec.code).exists():
            continue
        template = Template.objects.create(
            code=spec.code,
            name=spec.name,
            cancer_types=list(spec.cancer_types),
            source=spec.source,
            needs_clinical_review=spec.needs_clinical_review,
            warning_signs=list(spec.warning_signs),
            notes=spec.notes,
        )
        Rule.objects.bulk_create(
            Rule(template=template, order=order, **asdict(rule))
            for order, rule in enumerate(spec.rules)
        )


class Migration(migrations.Migration):
    dependencies = [("followup", "0001_initial")]

    operations = [migrations.RunPython(seed_templates, migrations.RunPython.noop)]
