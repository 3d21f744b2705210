"""Reported signs and baselines get stable codes instead of plan{pk}_{index}.

Codes of template signs used to name the plan's database key and the label's index in
its snapshot. They now come from the sign catalogue (followup.rules.signs), e.g.
"prostate:leg_weakness"; a label the catalogue does not know becomes
"<template>:custom_<index>". A code whose plan is gone is left as it was.
"""

import re

from django.db import migrations

from followup.rules.signs import code_for_label

OLD = re.compile(r"^plan(\d+)_(\d+)$")


def _new_code(plans, code):
    match = OLD.match(code)
    if match is None:
        return None
    plan = plans.get(int(match.group(1)))
    index = int(match.group(2))
    if plan is None or index >= len(plan.warning_signs_snapshot):
        return None
    label = plan.warning_signs_snapshot[index]
    template = plan.template.code
    return code_for_label(template, label) or f"{template}:custom_{index}"


def forwards(apps, schema_editor):
    CarePlan = apps.get_model("followup", "CarePlan")
    plans = {plan.pk: plan for plan in CarePlan.objects.select_related("template")}
    for model_name in ("ReportedSign", "KnownBaseline"):
        Model = apps.get_model("followup", model_name)
        for row in Model.objects.filter(code__startswith="plan").only("pk", "code"):
            new = _new_code(plans, row.code)
            if new is not None:
                Model.objects.filter(pk=row.pk).update(code=new)


class Migration(migrations.Migration):
    dependencies = [("followup", "0014_merge_0011_late_effects_0013_merge_20261201_2328")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
