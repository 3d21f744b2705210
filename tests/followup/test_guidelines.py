"""Seed care-plan templates and patient-facing content: pure data, no database."""

from datetime import date

import pytest

from followup.rules.content import (
    FEAR_OF_RECURRENCE,
    GENERAL_WARNING_SIGNS,
    RISK_LOWERING_ADVICE,
    SCAN_WORRY_NOTE,
    warning_signs_for,
)
from followup.rules.guidelines import (
    CANCER_TYPE_CODES,
    TEMPLATES,
    template_by_code,
    templates_for_cancer_type,
)
from followup.rules.scheduling import (
    KIND_IMAGING,
    KIND_LAB,
    KIND_VISIT,
    add_months,
    generate_schedule,
    horizon_end,
    validate_rules,
)

TEMPLATE_IDS = [template.code for template in TEMPLATES]


def test_it_has_one_template_per_row_of_the_surveillance_table():
    assert TEMPLATE_IDS == [
        "breast",
        "colorectal",
        "lung",
        "prostate",
        "melanoma_low",
        "melanoma_high",
        "head_neck",
        "cervical",
        "hodgkin_lymphoma",
        "general",
    ]


@pytest.mark.parametrize("template", TEMPLATES, ids=TEMPLATE_IDS)
def test_it_seeds_templates_whose_rules_validate(template):
    assert validate_rules(template.rules) == []


@pytest.mark.parametrize("template", TEMPLATES, ids=TEMPLATE_IDS)
def test_it_cites_a_source_for_every_template(template):
    assert template.source.strip()
    assert template.name.strip()


@pytest.mark.parametrize("template", TEMPLATES, ids=TEMPLATE_IDS)
def test_it_uses_only_known_cancer_type_codes(template):
    assert set(template.cancer_types) <= CANCER_TYPE_CODES


@pytest.mark.parametrize("template", TEMPLATES, ids=TEMPLATE_IDS)
def test_it_keeps_rule_keys_unique_across_all_templates(template):
    others = {r.key for t in TEMPLATES if t is not template for r in t.rules}

    assert not others & {r.key for r in template.rules}


@pytest.mark.parametrize("template", TEMPLATES, ids=TEMPLATE_IDS)
def test_it_gives_every_rule_a_label_and_instructions(template):
    for spec in template.rules:
        assert spec.label.strip(), spec.key
        assert spec.instructions.strip(), spec.key


@pytest.mark.parametrize("template", TEMPLATES, ids=TEMPLATE_IDS)
def test_it_names_the_test_for_every_scan_lab_and_procedure(template):
    for spec in template.rules:
        named = {"imaging": spec.modality, "lab": spec.lab_test, "procedure": spec.procedure}
        if spec.kind in named:
            assert named[spec.kind], spec.key


def test_it_marks_only_the_templates_with_unchecked_figures_for_clinical_review():
    flagged = {t.code for t in TEMPLATES if t.needs_clinical_review}

    assert flagged == {"colorectal", "general"}
    for code in flagged:
        assert "[check]" in template_by_code(code).notes


def test_it_gives_every_specific_template_its_own_warning_signs():
    for template in TEMPLATES:
        if template.code == "general":
            assert template.cancer_types == ()
        else:
            assert template.cancer_types
            assert template.warning_signs, template.code


def test_it_plans_no_routine_ct_pet_or_other_scans_after_breast_cancer():
    breast = template_by_code("breast")

    imaging = [spec for spec in breast.rules if spec.kind == KIND_IMAGING]
    assert [spec.modality for spec in imaging] == ["mammogram"]
    assert not [spec for spec in breast.rules if spec.kind == KIND_LAB]


def test_it_plans_the_first_mammogram_a_year_after_treatment_then_yearly_for_life():
    (mammogram,) = [s for s in template_by_code("breast").rules if s.modality == "mammogram"]
    start = date(2024, 3, 1)

    items = generate_schedule([mammogram], start, add_months(start, 36))

    assert [item.due_date for item in items] == [
        date(2025, 3, 1),
        date(2026, 3, 1),
        date(2027, 3, 1),
    ]
    assert mammogram.until_month is None


def test_it_counts_four_breast_visits_in_the_first_year_of_a_plan_started_two_years_ago():
    today = date(2025, 9, 10)
    start = add_months(today, -24)
    breast = template_by_code("breast")

    items = generate_schedule(breast.rules, start, horizon_end(start, today))

    year_one = [
        item for item in items if item.kind == KIND_VISIT and item.due_date <= add_months(start, 12)
    ]
    assert len(year_one) == 4
    assert [item.due_date for item in year_one] == [add_months(start, m) for m in (3, 6, 9, 12)]


def test_it_follows_breast_visits_through_years_four_and_five_then_yearly():
    start = date(2020, 1, 15)
    breast = template_by_code("breast")

    items = generate_schedule(breast.rules, start, add_months(start, 96))
    visit_months = [
        (item.due_date.year - start.year) * 12 + item.due_date.month - start.month
        for item in items
        if item.kind == KIND_VISIT
    ]

    assert visit_months == [3 * n for n in range(1, 13)] + [42, 48, 54, 60, 72, 84, 96]


def test_it_plans_colorectal_colonoscopy_at_one_year_then_every_five():
    start = date(2020, 6, 30)
    colorectal = template_by_code("colorectal")

    items = generate_schedule(colorectal.rules, start, add_months(start, 132))

    assert [i.due_date for i in items if i.procedure == "colonoscopy"] == [
        add_months(start, 12),
        add_months(start, 72),
        add_months(start, 132),
    ]
    assert [i.due_date for i in items if i.modality == "ct_chest_abdomen"] == [
        add_months(start, 12),
        add_months(start, 24),
        add_months(start, 36),
    ]
    assert len([i for i in items if i.lab_test == "cea"]) == 20


@pytest.mark.parametrize(
    "code",
    [
        "breast",
        "lung",
        "prostate",
        "melanoma_low",
        "melanoma_high",
        "head_neck",
        "cervical",
        "hodgkin_lymphoma",
        "general",
    ],
)
def test_it_keeps_then_yearly_follow_up_going_for_life(code):
    assert any(
        spec.until_month is None and spec.interval_min_months == 12
        for spec in template_by_code(code).rules
    )


def test_it_plans_head_and_neck_baseline_imaging_within_six_months():
    start = date(2024, 1, 1)
    head_neck = template_by_code("head_neck")

    items = generate_schedule(head_neck.rules, start, add_months(start, 60))
    (baseline,) = [i for i in items if i.modality == "head_neck_baseline"]

    assert baseline.due_date == add_months(start, 3)
    assert baseline.window_end == add_months(start, 6)


def test_it_offers_both_melanoma_templates_and_falls_back_to_general():
    assert [t.code for t in templates_for_cancer_type("melanoma")] == [
        "melanoma_low",
        "melanoma_high",
    ]
    assert [t.code for t in templates_for_cancer_type("kidney")] == ["general"]
    with pytest.raises(KeyError):
        template_by_code("nope")


# Patient-facing content


def test_it_lists_the_eleven_general_warning_signs_by_code():
    assert [code for code, _label in GENERAL_WARNING_SIGNS] == [
        "previous_symptoms",
        "lump_swelling",
        "pain",
        "weight_loss",
        "bleeding_bruising",
        "rash_allergy",
        "fever_chills_headache",
        "breathless_cough",
        "blood_stool_urine",
        "nausea_appetite_swallowing",
        "other_unusual",
    ]
    assert all(label.strip() for _code, label in GENERAL_WARNING_SIGNS)


def test_it_shows_general_warning_signs_first_then_the_template_ones_without_repeats():
    general = [label for _code, label in GENERAL_WARNING_SIGNS]

    signs = warning_signs_for(["Coughing up blood", general[1].upper(), " ", "Coughing up blood"])

    assert signs == [*general, "Coughing up blood"]


def test_it_combines_every_template_with_the_general_signs():
    for template in TEMPLATES:
        signs = warning_signs_for(template.warning_signs)
        assert len(signs) == len(GENERAL_WARNING_SIGNS) + len(template.warning_signs)


def test_it_covers_the_five_ways_to_lower_the_risk():
    titles = " ".join(title for title, _text in RISK_LOWERING_ADVICE).lower()

    for topic in ("weight", "moving", "alcohol", "tobacco", "supplements"):
        assert topic in titles
    assert all(text.strip() for _title, text in RISK_LOWERING_ADVICE)


def test_it_talks_about_fear_of_recurrence_kindly_and_briefly():
    text = " ".join(FEAR_OF_RECURRENCE).lower()

    for idea in ("normal", "first year", "scan", "anniversary", "care team", "support group"):
        assert idea in text
    assert all(len(paragraph) < 400 for paragraph in FEAR_OF_RECURRENCE)
    assert 0 < len(SCAN_WORRY_NOTE) < 300
