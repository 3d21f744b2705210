"""Triage context: treatment windows, immunotherapy, known baselines, red flags beside them."""

from datetime import date, timedelta

from followup.rules.triage import (
    FEVER_WINDOW_DAYS,
    REVIEW,
    ROUTINE,
    URGENT,
    Baseline,
    PastReport,
    Sign,
    Treatment,
    triage,
)

TODAY = date(2026, 6, 15)


def _triage(*signs, treatments=(), baselines=(), history=(), **kwargs):
    return triage(
        signs=list(signs),
        worry=kwargs.pop("worry", None),
        distress=kwargs.pop("distress", None),
        history=list(history),
        today=TODAY,
        treatments=list(treatments),
        baselines=list(baselines),
        **kwargs,
    )


FEVER = Sign("fever_chills_headache", "mild", 1, "new")


def _chemo_ended(days_ago):
    return Treatment("chemotherapy", date(2026, 1, 1), TODAY - timedelta(days=days_ago))


def test_the_default_fever_window_is_6_weeks():
    assert FEVER_WINDOW_DAYS == 42


def test_it_makes_fever_urgent_on_day_42_after_chemotherapy_but_not_day_43():
    on_42 = _triage(FEVER, treatments=[_chemo_ended(42)])
    assert on_42.level == URGENT
    assert on_42.rule == "fever_after_chemo"
    on_43 = _triage(FEVER, treatments=[_chemo_ended(43)])
    assert "fever_after_chemo" not in [f.rule for f in on_43.fired]
    assert on_43.level == ROUTINE


def test_it_honours_a_configured_fever_window():
    assert _triage(FEVER, treatments=[_chemo_ended(43)], fever_window_days=60).level == URGENT
    assert _triage(FEVER, treatments=[_chemo_ended(10)], fever_window_days=7).level == ROUTINE


def test_it_makes_fever_during_ongoing_chemotherapy_urgent():
    ongoing = Treatment("chemotherapy", date(2026, 5, 1), None)
    decision = _triage(FEVER, treatments=[ongoing])
    assert decision.rule == "fever_after_chemo"
    assert "during chemotherapy" in decision.reason


def test_it_ignores_chemotherapy_that_has_not_started():
    planned = Treatment("chemotherapy", TODAY + timedelta(days=7), None)
    assert _triage(FEVER, treatments=[planned]).level == ROUTINE


def test_it_ignores_fever_after_other_treatments():
    radiation = Treatment("radiation", date(2026, 5, 1), TODAY - timedelta(days=5))
    assert _triage(FEVER, treatments=[radiation]).level == ROUTINE


RASH = Sign("rash_allergy", "mild", 2, "new")


def test_it_reviews_a_new_sign_within_a_year_of_immunotherapy():
    within = Treatment("immunotherapy", date(2025, 1, 1), TODAY - timedelta(days=365))
    decision = _triage(RASH, treatments=[within])
    assert decision.level == REVIEW
    assert decision.rule == "immunotherapy_new_symptom"


def test_it_reviews_a_new_sign_during_immunotherapy():
    ongoing = Treatment("immunotherapy", date(2026, 3, 1), None)
    assert _triage(RASH, treatments=[ongoing]).rule == "immunotherapy_new_symptom"


def test_it_does_not_review_a_new_sign_over_a_year_after_immunotherapy():
    after = Treatment("immunotherapy", date(2024, 1, 1), TODAY - timedelta(days=366))
    assert _triage(RASH, treatments=[after]).level == ROUTINE


def test_it_does_not_count_an_unchanged_sign_as_new_during_immunotherapy():
    ongoing = Treatment("immunotherapy", date(2026, 3, 1), None)
    same = Sign("rash_allergy", "mild", 3, "same")
    assert "immunotherapy_new_symptom" not in [
        f.rule for f in _triage(same, treatments=[ongoing]).fired
    ]


PAIN_SEVERE_SAME = Sign("pain", "severe", 120, "same")
LAST_WEEK = PastReport(TODAY - timedelta(days=7), (Sign("pain", "severe", 113, "same"),))


def test_a_known_sign_unchanged_does_not_alert():
    decision = _triage(
        PAIN_SEVERE_SAME, baselines=[Baseline("pain", "severe")], history=[LAST_WEEK]
    )
    assert decision.level == ROUTINE
    assert decision.reason.startswith("Known and unchanged")


def test_a_known_sign_better_than_usual_does_not_alert():
    milder = Sign("pain", "mild", 120, "same")
    assert _triage(milder, baselines=[Baseline("pain", "moderate")]).level == ROUTINE


def test_without_a_baseline_the_same_severe_pain_still_reaches_review():
    decision = _triage(PAIN_SEVERE_SAME, history=[LAST_WEEK])
    assert decision.level == REVIEW
    assert decision.rule == "severe_unchanged"


def test_a_known_sign_above_its_baseline_is_review():
    moderate = Sign("pain", "moderate", 90, "same")
    decision = _triage(moderate, baselines=[Baseline("pain", "mild")])
    assert decision.level == REVIEW
    assert decision.rule == "worse_than_baseline"
    assert "usually mild" in decision.reason


def test_a_known_sign_said_to_be_worse_is_review_at_least():
    worse = Sign("pain", "mild", 90, "worse")
    decision = _triage(worse, baselines=[Baseline("pain", "mild")])
    assert decision.level == REVIEW
    assert "worse_than_baseline" in [f.rule for f in decision.fired]


def test_a_known_bleed_unchanged_is_not_urgent_but_a_new_one_is():
    bleed = Sign("blood_stool_urine", "mild", 200, "same")
    assert _triage(bleed, baselines=[Baseline("blood_stool_urine", "mild")]).level == ROUTINE
    assert _triage(bleed).level == URGENT


def test_a_red_flag_alerts_beside_a_baseline_on_another_sign():
    cough = Sign("breathless_cough", "moderate", 200, "same")
    blood = Sign("lung:haemoptysis", "mild", 1, "new")
    decision = _triage(cough, blood, baselines=[Baseline("breathless_cough", "moderate")])
    assert decision.level == URGENT
    assert decision.rule == "red_flag_sign"


def test_a_red_flag_alerts_even_with_its_own_baseline():
    weakness = Sign("prostate:leg_weakness", "mild", 30, "same")
    decision = _triage(weakness, baselines=[Baseline("prostate:leg_weakness", "severe")])
    assert decision.level == URGENT


def test_a_red_flag_phrase_alerts_beside_a_known_sign():
    known = Sign("pain", "moderate", 90, "same")
    decision = _triage(
        known, baselines=[Baseline("pain", "moderate")], other_text="and I passed out today"
    )
    assert decision.level == URGENT
    assert decision.rule == "red_flag_text"


def test_a_lump_known_at_baseline_does_not_combine_with_weight_loss_as_new():
    # The combination uses alerting signs; with the lump known, weight loss stands alone.
    lump = Sign("lump_swelling", "mild", 400, "same")
    weight = Sign("weight_loss", "mild", 10, "new")
    decision = _triage(lump, weight, baselines=[Baseline("lump_swelling", "mild")])
    assert "lump_and_weight_loss" not in [f.rule for f in decision.fired]
