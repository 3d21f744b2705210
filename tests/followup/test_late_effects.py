"""The late-effects exposure table, row by row, and its join to a real plan."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from followup.models import CarePlanTemplate, FollowUpVisit
from followup.rules.late_effects import (
    PRIMARY_CARE,
    TreatmentFact,
    doxorubicin_equivalent,
    exposure_rules,
    merge_rules,
)
from followup.services import plans as services
from patients.models import CancerDiagnosis, Treatment
from tests.support.factories import make_patient

ANCHOR = date(2020, 6, 1)
BORN_YOUNG = date(2000, 3, 1)


def keys(rules):
    return [r.spec.key for r in rules]


def chemo(agent, dose, year=2020):
    return TreatmentFact("chemotherapy", date(year, 1, 1), date(year, 5, 1), agent, Decimal(dose))


def radiation(site, gy, year=2020):
    return TreatmentFact(
        "radiation", date(year, 1, 1), date(year, 2, 1), radiation_site=site,
        radiation_dose_gy=Decimal(gy),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("agent", "dose", "expected"),
    [
        ("doxorubicin", "240", Decimal("240.0")),
        ("daunorubicin", "100", Decimal("60.0")),
        ("epirubicin", "400", Decimal("320.0")),
        ("idarubicin", "50", Decimal("250.0")),
        ("mitoxantrone", "20", Decimal("200.0")),
        ("cisplatin", "300", Decimal("0")),
    ],
)
def test_it_converts_anthracyclines_to_doxorubicin_equivalents(agent, dose, expected):
    assert doxorubicin_equivalent(agent, Decimal(dose)) == expected


def test_row_1_anthracycline_below_250_gives_an_echo_every_5_years():
    rules = exposure_rules([chemo("doxorubicin", "200")], anchor=ANCHOR)
    assert keys(rules) == ["le_echo_baseline", "le_echo"]
    assert rules[1].spec.interval_min_months == 60
    assert rules[0].reason.startswith("Because of anthracyclines (200.0 mg/m²")
    assert "2020" in rules[0].reason and rules[0].needs_clinical_review


def test_row_1_high_dose_or_chest_radiation_gives_an_echo_every_2_years():
    high = exposure_rules([chemo("epirubicin", "400")], anchor=ANCHOR)
    assert high[1].spec.interval_min_months == 24
    both = exposure_rules(
        [chemo("doxorubicin", "120"), radiation("mediastinum", "20")], anchor=ANCHOR
    )
    assert both[1].spec.interval_min_months == 24
    assert "chest radiation (20 Gy)" in both[0].reason
    chest_only = exposure_rules([radiation("chest", "20")], anchor=ANCHOR)
    assert keys(chest_only) == ["le_echo_baseline", "le_echo"]
    assert chest_only[1].spec.interval_min_months == 60


def test_row_2_chest_radiation_before_30_starts_breast_screening_at_the_later_date():
    # RT in Feb 2020 at 19: 8 years after is Feb 2028; age 25 is March 2025 -> Feb 2028.
    rules = exposure_rules([radiation("mantle", "30")], anchor=ANCHOR, date_of_birth=BORN_YOUNG)
    breast = [r for r in rules if r.spec.key in ("le_breast_mri", "le_mammogram")]
    assert [r.spec.modality for r in breast] == ["mri", "mammogram"]
    first_due_month = breast[0].spec.from_month + 12
    assert first_due_month == 92  # June 2020 + 92 months = Feb 2028
    assert breast[0].responsible == PRIMARY_CARE
    assert breast[0].reason == "Because of chest radiation, 2020, before age 30."


@pytest.mark.parametrize(
    ("gy", "born", "sex", "expected"),
    [
        ("9", BORN_YOUNG, "female", False),  # below 10 Gy
        ("30", date(1980, 1, 1), "female", False),  # 40 at radiation
        ("30", None, "female", False),  # age unknown
        ("30", BORN_YOUNG, "male", False),
        ("10", BORN_YOUNG, "unknown", True),
    ],
)
def test_row_2_applies_only_at_10_gy_or_more_before_age_30(gy, born, sex, expected):
    rules = exposure_rules([radiation("chest", gy)], anchor=ANCHOR, date_of_birth=born, sex=sex)
    assert ("le_breast_mri" in keys(rules)) is expected


def test_row_3_neck_radiation_gives_tsh_and_nothing_else_does():
    assert "le_tsh" not in keys(exposure_rules([radiation("pelvis", "50")], anchor=ANCHOR))
    hn = exposure_rules([radiation("head_neck", "70")], anchor=ANCHOR, cancer_type="head_neck")
    assert keys(hn) == ["le_tsh"]
    assert (hn[0].spec.interval_min_months, hn[0].spec.interval_max_months) == (6, 12)
    hl = exposure_rules([radiation("neck", "30")], anchor=ANCHOR, cancer_type="hodgkin_lymphoma")
    assert (hl[0].spec.interval_min_months, hl[0].spec.interval_max_months) == (12, 12)
    assert hl[0].reason == "Because of neck radiation, 2020."


def test_row_4_aromatase_inhibitor_gives_bone_density_at_baseline_and_every_2_years():
    ai = TreatmentFact("hormone", date(2020, 6, 1), agent="letrozole")
    rules = exposure_rules([ai], anchor=ANCHOR)
    assert keys(rules) == ["le_dexa_baseline", "le_dexa"]
    assert rules[1].spec.interval_min_months == 24
    assert "aromatase inhibitor (letrozole)" in rules[0].reason


def test_row_5_androgen_deprivation_gives_bone_density_lipids_and_glucose():
    adt = TreatmentFact("hormone", date(2020, 6, 1), agent="leuprolide")
    assert keys(exposure_rules([adt], anchor=ANCHOR)) == [
        "le_dexa_baseline", "le_dexa", "le_lipids", "le_glucose",
    ]  # fmt: skip


def test_row_6_cisplatin_gives_a_hearing_check():
    rules = exposure_rules([chemo("cisplatin", "300")], anchor=ANCHOR)
    assert keys(rules) == ["le_hearing"]
    assert rules[0].spec.procedure == "audiogram"


def test_it_adds_nothing_without_exposures():
    assert exposure_rules([chemo("paclitaxel", "800")], anchor=ANCHOR) == []


def test_it_drops_an_exposure_item_the_template_already_schedules(db):
    breast = CarePlanTemplate.objects.get(code="breast").rule_specs()
    rules = exposure_rules([radiation("breast", "50")], anchor=ANCHOR, date_of_birth=BORN_YOUNG)
    joined, added = merge_rules(breast, rules)
    assert "le_mammogram" not in added and "le_breast_mri" in added
    test_keys = [r.test_key for r in joined]
    assert test_keys.count(("imaging", "mammogram", "", "")) == 1


def test_the_seeded_templates_no_longer_schedule_tsh_unconditionally(db):
    for code in ("head_neck", "hodgkin_lymphoma"):
        template = CarePlanTemplate.objects.get(code=code)
        assert not [r for r in template.rule_specs() if r.lab_test == "tsh"]


def test_it_shows_cardiac_items_with_their_reason_when_a_nurse_records_a_dose(
    client, nurse, helen, diagnosis
):
    start = timezone.localdate() - timedelta(days=400)
    Treatment.objects.filter(diagnosis=diagnosis).update(ended_on=start)
    plan = services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=start,
        owner=nurse,
    )
    assert not plan.visits.filter(rule_key__startswith="le_").exists()
    client.force_login(nurse)
    response = client.post(
        reverse("nurse:treatment_create", args=[diagnosis.pk]),
        {
            "modality": "chemotherapy", "intent": "curative",
            "started_on": (start - timedelta(days=120)).isoformat(),
            "ended_on": start.isoformat(), "agent": "doxorubicin", "cycles": "4",
            "dose_mg_m2": "240",
        },
    )  # fmt: skip
    assert response.status_code == 302
    echo = plan.visits.filter(rule_key="le_echo_baseline").get()
    assert echo.modality == "echocardiogram"
    assert echo.reason.startswith("Because of anthracyclines (240.0 mg/m²")
    # Idempotent: generating again changes nothing; deleting the treatment removes them.
    assert services.careplan_generate(plan=plan) == {"created": 0, "updated": 0, "deleted": 0}
    Treatment.objects.get(agent="doxorubicin").delete()
    assert not FollowUpVisit.objects.filter(plan=plan, rule_key__startswith="le_").exists()


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"modality": "chemotherapy", "agent": "doxorubicin", "dose_mg_m2": "2400"},
         "dose_mg_m2", "between 0 and 800 mg/m²"),
        ({"modality": "chemotherapy", "agent": "other"}, "agent_other", "Write the name"),
        ({"modality": "radiation"}, "radiation_site", "Say where the radiation"),
        ({"modality": "radiation", "radiation_site": "chest", "radiation_dose_gy": "200"},
         "radiation_dose_gy", "between 0 and 80 Gy"),
    ],
)  # fmt: skip
def test_it_explains_bad_treatment_input_field_by_field(
    client, nurse, diagnosis, extra, field, message
):
    client.force_login(nurse)
    data = {"intent": "curative", "started_on": "2022-03-01", "ended_on": "2022-06-01", **extra}
    response = client.post(reverse("nurse:treatment_create", args=[diagnosis.pk]), data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])


def test_a_hodgkin_plan_after_mantle_radiation_at_19_lists_echo_breast_mri_and_tsh(client, nurse):
    today = timezone.localdate()
    patient = make_patient(nurse, mrn="MRN-2001", given="Ada", date_of_birth=date(1998, 5, 1),
                           sex="female")  # fmt: skip
    diagnosis = CancerDiagnosis.objects.create(
        patient=patient, cancer_type="hodgkin_lymphoma", diagnosed_on=date(2017, 1, 10)
    )
    Treatment.objects.create(diagnosis=diagnosis, modality="radiation",
                             started_on=date(2017, 5, 1), ended_on=date(2017, 6, 1),
                             radiation_site="mantle", radiation_dose_gy=Decimal("30"))  # fmt: skip
    plan = services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="hodgkin_lymphoma"),
        start_date=date(2017, 6, 1),
        owner=nurse,
        today=today,
    )
    keys_ = set(plan.visits.values_list("rule_key", flat=True))
    assert {"le_echo_baseline", "le_echo", "le_breast_mri", "le_mammogram", "le_tsh"} <= keys_
    mri = plan.visits.filter(rule_key="le_breast_mri").order_by("due_date").first()
    assert mri.due_date == date(2025, 6, 1)  # 8 years after radiation (age 27 then)
    client.force_login(nurse)
    page = client.get(reverse("nurse:plan", args=[plan.pk])).content.decode()
    assert "Because of chest radiation, 2017, before age 30." in page
    assert "Primary-care doctor" in page
