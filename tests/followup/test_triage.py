"""Symptom-report triage: the rule table row by row, pure functions, no database."""

import json
import re
from datetime import date, datetime, timedelta

import pytest

from followup.rules import triage as triage_module
from followup.rules.content import GENERAL_WARNING_SIGNS
from followup.rules.triage import (
    LEVELS,
    REVIEW,
    ROUTINE,
    RULES,
    RULES_BY_CODE,
    SEVERITY_RANK,
    URGENT,
    Fired,
    PastReport,
    Sign,
    Triage,
    explain_level,
    rules_markdown,
    triage,
)

TODAY = date(2025, 6, 30)


def sign(code="pain", severity="mild", days=None, trend="same"):
    return Sign(code, severity, days, trend)


def past(days_ago, *signs, worry=None, distress=None):
    return PastReport(TODAY - timedelta(days=days_ago), tuple(signs), worry, distress)


def run(*signs, worry=None, distress=None, history=(), labels=None):
    return triage(
        signs=signs,
        worry=worry,
        distress=distress,
        history=history,
        today=TODAY,
        labels=labels,
    )


def rules(result):
    return [fired.rule for fired in result.fired]


def reason_of(result, rule):
    return next(fired.reason for fired in result.fired if fired.rule == rule)


# --- The table itself -----------------------------------------------------------------------


def test_it_has_the_agreed_rule_codes_in_priority_order():
    assert [rule.code for rule in RULES] == [
        "self_harm",
        "red_flag_sign",
        "red_flag_text",
        "fever_after_chemo",
        "severe_sign",
        "blood_stool_urine",
        "lump_and_weight_loss",
        "severe_distress",
        "severe_unchanged",
        "worse_than_baseline",
        "sign_level_review",
        "immunotherapy_new_symptom",
        "moderate_sign",
        "lasting_14_days",
        "worsening",
        "recurring_sign",
        "free_text_only",
        "worry_5_plus",
        "distress_4_plus",
        "worry_rising",
        "routine",
    ]
    assert set(RULES_BY_CODE) == {rule.code for rule in RULES}


def test_it_orders_the_table_urgent_then_review_then_routine():
    ranks = [LEVELS.index(rule.level) for rule in RULES]
    assert ranks == sorted(ranks)
    assert [rule.level for rule in RULES if rule.level == ROUTINE] == [ROUTINE]


def test_it_gives_every_rule_a_one_line_description():
    for rule in RULES:
        assert rule.description.strip()
        assert "\n" not in rule.description
        assert "|" not in rule.description


def test_it_documents_exactly_the_rules_of_the_table_in_the_module_docstring():
    rows = re.findall(
        r"^\| `([a-z0-9_]+)` \| (\w+) \| (.+) \| (.+) \|$", triage_module.__doc__, re.M
    )
    assert [code for code, _level, _text, _source in rows] == [rule.code for rule in RULES]
    assert rows == [(rule.code, rule.level, rule.description, rule.source) for rule in RULES]


def test_it_renders_the_same_markdown_table_as_the_docstring():
    assert rules_markdown() in triage_module.__doc__


def test_it_names_the_general_warning_sign_codes_the_rules_use():
    codes = {code for code, _label in GENERAL_WARNING_SIGNS}
    assert {"blood_stool_urine", "lump_swelling", "weight_loss"} <= codes


# --- severe_sign ----------------------------------------------------------------------------


def test_it_makes_a_severe_sign_urgent():
    result = run(sign("pain", "severe"))
    assert (result.level, result.rule) == (URGENT, "severe_sign")


def test_it_does_not_fire_severe_sign_for_a_moderate_sign():
    result = run(sign("pain", "moderate"))
    assert "severe_sign" not in rules(result)
    assert result.level == REVIEW


def test_it_names_the_sign_label_in_the_reason():
    result = run(sign("pain", "severe"), labels={"pain": "unexplained pain"})
    assert result.reason == "Severe: unexplained pain"


def test_it_falls_back_to_the_code_when_a_sign_has_no_label():
    result = run(sign("breast:1", "severe"), labels={"pain": "unexplained pain"})
    assert result.reason == "Severe: breast:1"


def test_it_names_every_severe_sign_once_in_report_order():
    result = run(
        sign("pain", "severe"),
        sign("breathless_cough", "severe"),
        labels={"pain": "pain", "breathless_cough": "cough"},
    )
    assert result.reason == "Severe: pain, cough"


# --- blood_stool_urine ----------------------------------------------------------------------


def test_it_makes_blood_in_stool_or_urine_urgent_even_when_mild():
    label = dict(GENERAL_WARNING_SIGNS)["blood_stool_urine"]
    result = run(
        sign("blood_stool_urine", "mild", trend="new"), labels={"blood_stool_urine": label}
    )
    assert (result.level, result.rule) == (URGENT, "blood_stool_urine")
    assert label in result.reason
    assert "mild" in result.reason


def test_it_does_not_fire_blood_stool_urine_for_other_bleeding():
    result = run(sign("bleeding_bruising", "mild", trend="new"))
    assert "blood_stool_urine" not in rules(result)
    assert result.level == ROUTINE


# --- lump_and_weight_loss -------------------------------------------------------------------


def test_it_makes_a_lump_with_weight_loss_in_the_same_report_urgent():
    result = run(
        sign("lump_swelling", "mild", trend="new"),
        sign("weight_loss", "mild", trend="new"),
        labels={"lump_swelling": "new lump", "weight_loss": "weight loss"},
    )
    assert (result.level, result.rule) == (URGENT, "lump_and_weight_loss")
    assert result.reason == "Together in one report: new lump and weight loss"


@pytest.mark.parametrize("code", ["lump_swelling", "weight_loss"])
def test_it_does_not_fire_lump_and_weight_loss_for_one_of_the_two(code):
    result = run(sign(code, "mild", trend="new"))
    assert "lump_and_weight_loss" not in rules(result)
    assert result.level == ROUTINE


def test_it_does_not_fire_lump_and_weight_loss_across_two_reports():
    result = run(
        sign("lump_swelling", "mild", trend="new"),
        history=[past(7, sign("weight_loss", "mild", trend="new"))],
    )
    assert "lump_and_weight_loss" not in rules(result)


# --- severe_distress ------------------------------------------------------------------------


@pytest.mark.parametrize("distress", [9, 10])
def test_it_makes_distress_of_9_or_10_urgent(distress):
    result = run(distress=distress)
    assert (result.level, result.rule) == (URGENT, "severe_distress")
    assert f"{distress}/10" in result.reason
    assert "today" in result.reason
    assert "distress_4_plus" in rules(result)


def test_it_sends_distress_of_8_to_review_not_urgent():
    result = run(distress=8)
    assert "severe_distress" not in rules(result)
    assert (result.level, result.rule) == (REVIEW, "distress_4_plus")


def test_it_keeps_a_worry_of_10_at_review():
    result = run(worry=10)
    assert (result.level, result.rule) == (REVIEW, "worry_5_plus")


# --- moderate_sign --------------------------------------------------------------------------


def test_it_sends_a_moderate_sign_to_review():
    result = run(sign("pain", "moderate"), labels={"pain": "unexplained pain"})
    assert (result.level, result.rule) == (REVIEW, "moderate_sign")
    assert result.reason == "Moderate: unexplained pain"


def test_it_does_not_fire_moderate_sign_for_a_mild_sign():
    result = run(sign("pain", "mild"))
    assert "moderate_sign" not in rules(result)
    assert result.level == ROUTINE


# --- lasting_14_days ------------------------------------------------------------------------


def test_it_sends_a_sign_lasting_14_days_to_review():
    result = run(sign("pain", days=14), labels={"pain": "unexplained pain"})
    assert (result.level, result.rule) == (REVIEW, "lasting_14_days")
    assert (
        result.reason == "Lasting 14 days or more: unexplained pain (14 days, as the patient says)"
    )


@pytest.mark.parametrize("days", [13, 0, None])
def test_it_does_not_fire_lasting_14_days_under_14_days(days):
    result = run(sign("pain", days=days))
    assert "lasting_14_days" not in rules(result)
    assert result.level == ROUTINE


def test_it_counts_a_sign_seen_in_the_previous_report_20_days_ago_as_lasting():
    result = run(
        sign("pain", days=None, trend="same"),
        history=[past(20, sign("pain"))],
        labels={"pain": "unexplained pain"},
    )
    assert (result.level, result.rule) == (REVIEW, "lasting_14_days")
    assert "unexplained pain (20 days, in reports since 2025-06-10)" in result.reason


def test_it_does_not_count_a_sign_seen_only_5_days_ago_as_lasting():
    result = run(sign("pain"), history=[past(5, sign("pain"))])
    assert "lasting_14_days" not in rules(result)
    assert result.level == ROUTINE


def test_it_does_not_count_a_new_sign_as_lasting_when_another_sign_was_reported_before():
    result = run(
        sign("breathless_cough", trend="new"),
        history=[past(20, sign("pain")), past(40, sign("pain"))],
    )
    assert "lasting_14_days" not in rules(result)
    assert result.level == ROUTINE


@pytest.mark.parametrize(("days_ago", "fires"), [(13, False), (14, True)])
def test_it_counts_14_days_from_the_previous_report_at_the_boundary(days_ago, fires):
    result = run(sign("pain"), history=[past(days_ago, sign("pain"))])
    assert ("lasting_14_days" in rules(result)) is fires


def test_it_chains_consecutive_reports_7_and_14_days_ago_into_a_persisting_sign():
    result = run(
        sign("pain"),
        history=[past(7, sign("pain")), past(14, sign("pain"))],
        labels={"pain": "unexplained pain"},
    )
    assert "lasting_14_days" in rules(result)
    assert "unexplained pain (14 days, in reports since 2025-06-16)" in reason_of(
        result, "lasting_14_days"
    )


def test_it_stops_the_chain_at_a_report_without_the_sign():
    result = run(
        sign("pain"),
        history=[past(7, sign("pain")), past(14, sign("fever_chills_headache")), past(21)],
    )
    assert "lasting_14_days" not in rules(result)


def test_it_adds_the_days_given_in_the_first_report_of_the_chain():
    result = run(sign("pain"), history=[past(5, sign("pain", days=10))])
    assert "lasting_14_days" in rules(result)
    assert "does not go away (15 days, in reports since 2025-06-25)" in reason_of(
        result, "lasting_14_days"
    )


def test_it_keeps_the_patients_own_count_when_it_is_longer_than_the_chain():
    result = run(sign("pain", days=30), history=[past(7, sign("pain"))])
    assert "does not go away (30 days, as the patient says)" in reason_of(result, "lasting_14_days")


def test_it_does_not_count_a_sign_from_history_that_is_not_reported_now():
    result = run(sign("breathless_cough", trend="new"), history=[past(30, sign("pain"))])
    assert result.level == ROUTINE


# --- worsening ------------------------------------------------------------------------------


def test_it_sends_a_sign_the_patient_says_is_worse_to_review():
    result = run(sign("pain", trend="worse"), labels={"pain": "unexplained pain"})
    assert (result.level, result.rule) == (REVIEW, "worsening")
    assert result.reason == "Worse: unexplained pain (the patient says it is worse)"


@pytest.mark.parametrize("trend", ["same", "new"])
def test_it_does_not_fire_worsening_when_the_patient_says_same_or_new_without_history(trend):
    result = run(sign("pain", trend=trend))
    assert "worsening" not in rules(result)


def test_it_finds_worsening_from_mild_to_moderate_even_when_the_patient_says_same():
    result = run(
        sign("pain", "moderate", trend="same"),
        history=[past(7, sign("pain", "mild"))],
        labels={"pain": "unexplained pain"},
    )
    assert rules(result) == ["moderate_sign", "worsening"]
    assert reason_of(result, "worsening") == (
        "Worse: unexplained pain (moderate, was mild on 2025-06-23)"
    )


def test_it_does_not_call_moderate_then_mild_worsening():
    result = run(sign("pain", "mild"), history=[past(7, sign("pain", "moderate"))])
    assert "worsening" not in rules(result)
    assert result.level == ROUTINE


def test_it_does_not_call_the_same_severity_worsening():
    result = run(sign("pain", "moderate"), history=[past(7, sign("pain", "moderate"))])
    assert "worsening" not in rules(result)


def test_it_compares_severity_with_the_most_recent_previous_report_only():
    result = run(
        sign("pain", "moderate"),
        history=[past(7, sign("breathless_cough")), past(14, sign("pain", "mild"))],
    )
    assert "worsening" not in rules(result)


# --- recurring_sign -------------------------------------------------------------------------


def test_it_sends_a_sign_in_2_of_the_last_3_reports_to_review_as_persisting():
    result = run(
        sign("pain"),
        history=[past(3, sign("pain")), past(6), past(9, sign("pain"))],
        labels={"pain": "unexplained pain"},
    )
    assert (result.level, result.rule) == (REVIEW, "recurring_sign")
    assert result.reason == "Persisting: unexplained pain (also in 2 of the last 3 reports)"
    # The run of reports is broken and only 3 days long: not "lasting 14 days".
    assert "lasting_14_days" not in rules(result)


def test_it_does_not_fire_recurring_sign_for_1_of_the_last_3_reports():
    result = run(sign("pain"), history=[past(3, sign("pain")), past(6), past(9)])
    assert "recurring_sign" not in rules(result)
    assert result.level == ROUTINE


def test_it_looks_only_at_the_last_3_earlier_reports_for_recurring_sign():
    result = run(
        sign("pain"),
        history=[past(3), past(6), past(9, sign("pain")), past(12, sign("pain"))],
    )
    assert "recurring_sign" not in rules(result)


def test_it_fires_both_lasting_and_recurring_for_a_long_unbroken_run():
    result = run(sign("pain"), history=[past(10, sign("pain")), past(20, sign("pain"))])
    assert rules(result) == ["lasting_14_days", "recurring_sign"]


# --- worry_5_plus and distress_4_plus -------------------------------------------------------


def test_it_sends_worry_of_5_to_review():
    result = run(worry=5)
    assert (result.level, result.rule) == (REVIEW, "worry_5_plus")
    assert "5/10" in result.reason


def test_it_keeps_worry_of_4_routine_as_the_fcr_1r_cut_off_is_5():
    result = run(worry=4)
    assert (result.level, result.rule) == (ROUTINE, "routine")


def test_it_keeps_worry_of_3_routine():
    result = run(worry=3)
    assert "worry_4_plus" not in rules(result)
    assert result.level == ROUTINE


def test_it_sends_distress_of_4_to_review():
    result = run(distress=4)
    assert (result.level, result.rule) == (REVIEW, "distress_4_plus")
    assert "4/10" in result.reason


def test_it_keeps_distress_of_3_routine():
    result = run(distress=3)
    assert "distress_4_plus" not in rules(result)
    assert result.level == ROUTINE


# --- worry_rising ---------------------------------------------------------------------------


def test_it_sends_worry_up_by_3_to_review_even_below_4():
    result = run(worry=3, history=[past(7, worry=0)])
    assert (result.level, result.rule) == (REVIEW, "worry_rising")
    assert result.reason == "Worry up from 0 to 3 since 2025-06-23"


def test_it_does_not_fire_worry_rising_for_a_rise_of_2():
    result = run(worry=3, history=[past(7, worry=1)])
    assert "worry_rising" not in rules(result)
    assert result.level == ROUTINE


def test_it_sends_distress_up_by_3_to_review():
    result = run(distress=3, history=[past(7, distress=0)])
    assert (result.level, result.rule) == (REVIEW, "worry_rising")
    assert result.reason == "Distress up from 0 to 3 since 2025-06-23"


def test_it_does_not_fire_worry_rising_for_distress_up_by_2():
    result = run(distress=3, history=[past(7, distress=1)])
    assert "worry_rising" not in rules(result)


def test_it_compares_with_the_last_report_that_had_a_rating():
    result = run(worry=5, history=[past(7, worry=None), past(14, worry=2), past(21, worry=5)])
    assert reason_of(result, "worry_rising") == "Worry up from 2 to 5 since 2025-06-16"


def test_it_compares_worry_and_distress_separately():
    result = run(
        worry=3,
        distress=3,
        history=[past(7, worry=0, distress=None), past(14, distress=2)],
    )
    assert reason_of(result, "worry_rising") == "Worry up from 0 to 3 since 2025-06-23"


def test_it_does_not_fire_worry_rising_for_a_fall_or_without_a_rating():
    assert "worry_rising" not in rules(run(worry=1, history=[past(7, worry=8)]))
    assert "worry_rising" not in rules(run(worry=None, history=[past(7, worry=0)]))
    assert "worry_rising" not in rules(run(worry=3, history=[past(7)]))


# --- routine --------------------------------------------------------------------------------


def test_it_makes_a_nothing_new_report_routine():
    result = run()
    assert (result.level, result.rule) == (ROUTINE, "routine")
    assert result.fired == (Fired("routine", ROUTINE, result.reason),)
    assert "Nothing new" in result.reason


def test_it_makes_a_nothing_new_report_with_low_ratings_and_history_routine():
    result = run(worry=2, distress=3, history=[past(7, sign("pain"), worry=2, distress=1)])
    assert (result.level, result.rule) == (ROUTINE, "routine")


def test_it_makes_a_new_mild_sign_routine_and_names_it():
    result = run(sign("pain", trend="new", days=2), labels={"pain": "unexplained pain"})
    assert (result.level, result.rule) == (ROUTINE, "routine")
    assert "unexplained pain" in result.reason


def test_it_does_not_add_routine_when_another_rule_fired():
    assert "routine" not in rules(run(worry=5))


# --- priority and the fired list ------------------------------------------------------------


def test_it_lets_a_severe_sign_outrank_a_moderate_one_and_keeps_both():
    result = run(
        sign("breathless_cough", "moderate"),
        sign("pain", "severe"),
        labels={"pain": "unexplained pain", "breathless_cough": "cough"},
    )
    assert (result.level, result.rule) == (URGENT, "severe_sign")
    assert result.reason == "Severe: unexplained pain"
    assert rules(result) == ["severe_sign", "moderate_sign"]
    assert [fired.level for fired in result.fired] == [URGENT, REVIEW]


def test_it_lists_every_fired_rule_highest_level_first_in_table_order():
    result = run(
        sign("blood_stool_urine", "severe", trend="worse"),
        sign("pain", "moderate", days=20),
        worry=6,
        distress=9,
        history=[past(7, sign("pain", "mild"), worry=1)],
    )
    assert rules(result) == [
        "severe_sign",
        "blood_stool_urine",
        "severe_distress",
        "moderate_sign",
        "lasting_14_days",
        "worsening",
        "worry_5_plus",
        "distress_4_plus",
        "worry_rising",
    ]
    assert result.rule == "severe_sign"


def test_it_reads_history_in_date_order_whatever_order_it_is_given_in():
    history = [past(20, sign("pain", "moderate")), past(7, sign("pain", "mild"))]
    given = run(sign("pain", "moderate"), history=history)
    newest_first = run(sign("pain", "moderate"), history=list(reversed(history)))
    assert given == newest_first
    assert "worsening" in rules(given)


def test_it_takes_the_more_severe_entry_when_an_earlier_report_lists_a_sign_twice():
    result = run(
        sign("pain", "moderate"),
        history=[past(7, sign("pain", "mild"), sign("pain", "moderate"))],
    )
    assert "worsening" not in rules(result)


def test_it_stores_as_plain_json():
    result = run(sign("pain", "severe"), worry=5)
    stored = json.loads(json.dumps(result.as_dict()))
    assert stored["level"] == URGENT
    assert stored["rule"] == "severe_sign"
    assert [item["rule"] for item in stored["fired"]] == ["severe_sign", "worry_5_plus"]
    assert isinstance(result, Triage)


# --- validation -----------------------------------------------------------------------------


def test_it_rejects_an_unknown_severity():
    with pytest.raises(ValueError, match="severity"):
        Sign("pain", "terrible", None, "same")


def test_it_rejects_an_unknown_trend():
    with pytest.raises(ValueError, match="trend"):
        Sign("pain", "mild", None, "better")


@pytest.mark.parametrize("days", [-1, 1.5, True, "3"])
def test_it_rejects_negative_or_non_whole_days(days):
    with pytest.raises(ValueError, match="days"):
        Sign("pain", "mild", days, "same")


def test_it_rejects_an_empty_sign_code():
    with pytest.raises(ValueError, match="code"):
        Sign("  ", "mild", None, "same")


@pytest.mark.parametrize("value", [-1, 11, 4.5, True])
@pytest.mark.parametrize("name", ["worry", "distress"])
def test_it_rejects_ratings_outside_0_to_10(name, value):
    with pytest.raises(ValueError, match=name):
        run(**{name: value})


@pytest.mark.parametrize("value", [0, 10])
def test_it_accepts_ratings_at_the_ends_of_the_scale(value):
    run(worry=value, distress=value)


def test_it_rejects_ratings_outside_0_to_10_in_an_earlier_report():
    with pytest.raises(ValueError, match="worry"):
        past(7, worry=12)


def test_it_rejects_an_earlier_report_dated_after_today():
    with pytest.raises(ValueError, match="after today"):
        run(history=[past(-1)])


def test_it_rejects_a_datetime_for_today():
    with pytest.raises(ValueError, match="today"):
        triage(
            signs=(),
            worry=None,
            distress=None,
            history=(),
            today=datetime(2025, 6, 30, 12, 0),  # noqa: DTZ001 - a naive value is the point
        )


def test_it_knows_the_three_severities():
    assert SEVERITY_RANK == {"mild": 1, "moderate": 2, "severe": 3}


# --- explain_level --------------------------------------------------------------------------


def test_it_tells_an_urgent_patient_to_call_now_with_the_clinic_number():
    text = explain_level(URGENT).format(phone="0123 456 789")
    assert text == (
        "Please call your care team now on 0123 456 789. If you feel very unwell or it is an "
        "emergency, call emergency services."
    )


def test_it_tells_the_patient_what_happens_next_for_review_and_routine():
    assert explain_level(REVIEW) == "Your nurse will look at this within two working days."
    assert explain_level(ROUTINE) == "Thank you. Your nurse will see this at your next review."


def test_it_rejects_an_unknown_level():
    with pytest.raises(ValueError, match="level"):
        explain_level("emergency")
