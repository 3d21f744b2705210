"""Template signs carry stable codes from the catalogue, and old reports are migrated."""

import importlib
from datetime import timedelta

from django.apps import apps
from django.utils import timezone

from followup.models import CarePlanTemplate, ReportedSign
from followup.services import plans as services
from followup.services import reports as reporting
from tests.followup.test_symptom_reports import file, sign

migration = importlib.import_module("followup.migrations.0015_stable_sign_codes")


def _plan(diagnosis, nurse, code="breast"):
    return services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code=code),
        start_date=timezone.localdate() - timedelta(days=100),
        owner=nurse,
    )


def test_it_offers_template_signs_under_catalogue_codes_that_name_no_database_key(
    helen, diagnosis, nurse
):
    _plan(diagnosis, nurse)
    codes = [choice.code for choice in reporting.sign_choices(helen)]
    assert "breast:lump" in codes
    assert not any(code.startswith("plan") for code in codes)


def test_it_gives_a_label_the_catalogue_does_not_know_a_custom_code(helen, diagnosis, nurse):
    plan = _plan(diagnosis, nurse)
    plan.warning_signs_snapshot = [*plan.warning_signs_snapshot, "A sign added in admin"]
    plan.save(update_fields=["warning_signs_snapshot"])
    codes = [choice.code for choice in reporting.sign_choices(helen)]
    assert f"breast:custom_{len(plan.warning_signs_snapshot) - 1}" in codes


def test_it_migrates_old_plan_index_codes_to_stable_codes(helen, diagnosis, nurse):
    plan = _plan(diagnosis, nurse)
    report = file(helen, [sign(f"plan{plan.pk}_0", "mild"), sign("pain", "mild")])
    migration.forwards(apps, None)
    assert sorted(ReportedSign.objects.filter(report=report).values_list("code", flat=True)) == [
        "breast:lump",
        "pain",
    ]


def test_it_makes_a_breast_template_lump_with_weight_loss_urgent(helen, diagnosis, nurse):
    _plan(diagnosis, nurse)
    report = file(helen, [sign("breast:lump", "mild"), sign("weight_loss", "mild")])
    assert (report.triage_level, report.triage_rule) == ("urgent", "lump_and_weight_loss")
