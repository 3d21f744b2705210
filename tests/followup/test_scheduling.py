"""Schedule generation: pure functions, no database."""

from datetime import date

import pytest

from followup.rules.scheduling import (
    PlannedItem,
    RuleSpec,
    add_months,
    generate_schedule,
    horizon_end,
    validate_rules,
)


def rule(
    key="visit",
    kind="visit",
    interval=(3, 3),
    months=(0, None),
    window_days=0,
    **extra,
):
    return RuleSpec(
        key=key,
        kind=kind,
        label=key.replace("_", " ").title(),
        interval_min_months=interval[0],
        interval_max_months=interval[1],
        from_month=months[0],
        until_month=months[1],
        window_days=window_days,
        **extra,
    )


def due_dates(items, key=None):
    return [item.due_date for item in items if key is None or item.rule_key == key]


# add_months


def test_it_clamps_31_january_plus_one_month_to_the_end_of_february():
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_it_rolls_29_february_to_28_february_a_year_later():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 48) == date(2028, 2, 29)


def test_it_moves_across_year_ends_in_both_directions():
    assert add_months(date(2024, 11, 15), 3) == date(2025, 2, 15)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 10), -13) == date(2022, 12, 10)
    assert add_months(date(2024, 5, 17), 0) == date(2024, 5, 17)


def test_it_counts_from_the_anchor_so_month_ends_do_not_drift():
    items = generate_schedule([rule(interval=(1, 1))], date(2024, 1, 31), date(2024, 5, 31))

    assert due_dates(items) == [
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]


def test_it_keeps_a_29_february_anchor_on_the_last_day_of_february():
    items = generate_schedule([rule(interval=(12, 12))], date(2024, 2, 29), date(2029, 1, 1))

    assert due_dates(items) == [
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


# generate_schedule


def test_it_gives_identical_output_on_two_runs():
    rules = [
        rule("visit", interval=(3, 6), months=(0, 24), window_days=14),
        rule("visit_later", interval=(12, 12), months=(24, None), window_days=30),
        rule("ct", kind="imaging", interval=(6, 12), months=(0, 36), modality="ct"),
    ]
    start, until = date(2023, 8, 31), date(2031, 8, 31)

    first = generate_schedule(rules, start, until)
    second = generate_schedule(list(reversed(rules)), start, until)

    assert first == second
    assert all(isinstance(item, PlannedItem) for item in first)


def test_it_sorts_items_by_due_date_then_rule_key():
    rules = [
        rule("zeta_lab", kind="lab", interval=(6, 6), lab_test="cea"),
        rule("alpha_visit", interval=(3, 3)),
    ]

    items = generate_schedule(rules, date(2024, 1, 1), date(2025, 1, 1))

    assert [(item.due_date, item.rule_key) for item in items] == [
        (date(2024, 4, 1), "alpha_visit"),
        (date(2024, 7, 1), "alpha_visit"),
        (date(2024, 7, 1), "zeta_lab"),
        (date(2024, 10, 1), "alpha_visit"),
        (date(2025, 1, 1), "alpha_visit"),
        (date(2025, 1, 1), "zeta_lab"),
    ]


def test_it_numbers_the_items_of_each_rule_from_one():
    items = generate_schedule([rule(interval=(6, 6))], date(2024, 1, 1), date(2026, 1, 1))

    assert [item.sequence for item in items] == [1, 2, 3, 4]


def test_it_copies_the_rule_details_onto_each_item():
    ct = rule(
        "ct",
        kind="imaging",
        interval=(12, 12),
        modality="ct_chest",
        instructions="Please do not eat for four hours before.",
    )

    (item,) = generate_schedule([ct], date(2024, 1, 1), date(2025, 1, 1))

    assert (item.rule_key, item.kind, item.label, item.modality) == (
        "ct",
        "imaging",
        "Ct",
        "ct_chest",
    )
    assert item.instructions == "Please do not eat for four hours before."
    assert (item.lab_test, item.procedure) == ("", "")


def test_it_uses_the_shorter_interval_for_due_dates_and_the_longer_for_the_window_end():
    start = date(2024, 1, 15)
    items = generate_schedule(
        [rule(interval=(3, 6), months=(0, 12), window_days=14)], start, date(2030, 1, 1)
    )

    assert due_dates(items) == [
        date(2024, 4, 15),
        date(2024, 7, 15),
        date(2024, 10, 15),
        date(2025, 1, 15),
    ]
    first = items[0]
    assert first.window_start == date(2024, 4, 1)
    # Late once 6 months have passed since the anchor (the previous due point).
    assert first.window_end == date(2024, 7, 15)
    assert items[1].window_end == date(2024, 10, 15)


def test_it_keeps_the_grace_period_after_a_fixed_interval_item():
    items = generate_schedule(
        [rule(interval=(12, 12), window_days=30)], date(2024, 1, 1), date(2025, 1, 1)
    )

    (item,) = items
    assert item.window_start == date(2024, 12, 2)
    assert item.window_end == date(2025, 1, 31)


def test_it_never_lets_a_wide_window_run_past_the_next_item_of_the_same_rule():
    start = date(2024, 1, 1)
    items = generate_schedule(
        [rule(interval=(3, 12), months=(0, 12), window_days=14)], start, date(2030, 1, 1)
    )

    for current, following in zip(items, items[1:], strict=False):
        assert current.window_end == following.due_date
    # The last item has no successor in its rule, so the full longer interval applies.
    assert items[-1].due_date == date(2025, 1, 1)
    assert items[-1].window_end == add_months(start, 9 + 12)


def test_it_does_not_move_windows_when_the_horizon_grows():
    rules = [rule(interval=(3, 12), months=(0, None), window_days=14)]
    start = date(2024, 1, 31)

    short = generate_schedule(rules, start, date(2025, 1, 31))
    long = generate_schedule(rules, start, date(2030, 1, 31))

    assert long[: len(short)] == short


def test_it_includes_the_item_falling_exactly_on_until_month_and_nothing_after():
    items = generate_schedule(
        [rule(interval=(6, 12), months=(0, 24))], date(2024, 1, 1), date(2035, 1, 1)
    )

    assert due_dates(items)[-1] == date(2026, 1, 1)
    assert len(items) == 4


def test_it_starts_a_following_rule_one_interval_after_its_from_month():
    rules = [
        rule("early", interval=(3, 6), months=(0, 36)),
        rule("late", interval=(6, 12), months=(36, 60)),
    ]

    items = generate_schedule(rules, date(2020, 1, 1), date(2030, 1, 1))

    assert due_dates(items, "early")[-1] == date(2023, 1, 1)  # month 36 belongs to "early"
    assert due_dates(items, "late") == [
        date(2023, 7, 1),
        date(2024, 1, 1),
        date(2024, 7, 1),
        date(2025, 1, 1),
    ]


def test_it_drops_items_of_a_rule_whose_interval_does_not_divide_its_range():
    items = generate_schedule(
        [rule(interval=(5, 5), months=(0, 12))], date(2024, 1, 1), date(2030, 1, 1)
    )

    assert due_dates(items) == [date(2024, 6, 1), date(2024, 11, 1)]


def test_it_stops_lifelong_rules_at_until():
    until = date(2040, 3, 14)

    items = generate_schedule(
        [rule(interval=(12, 12), months=(60, None))], date(2020, 3, 15), until
    )

    assert due_dates(items)[0] == date(2026, 3, 15)
    assert due_dates(items)[-1] == date(2039, 3, 15)
    assert all(item.due_date <= until for item in items)


def test_it_includes_an_item_due_exactly_on_until():
    items = generate_schedule([rule(interval=(12, 12))], date(2024, 6, 1), date(2026, 6, 1))

    assert due_dates(items) == [date(2025, 6, 1), date(2026, 6, 1)]


def test_it_returns_nothing_when_until_is_before_the_first_due_date_or_the_start():
    assert generate_schedule([rule(interval=(3, 3))], date(2024, 1, 1), date(2024, 3, 31)) == []
    assert generate_schedule([rule(interval=(3, 3))], date(2024, 1, 1), date(2023, 1, 1)) == []
    assert generate_schedule([], date(2024, 1, 1), date(2030, 1, 1)) == []


def test_it_accepts_any_iterable_of_rules():
    rules = (r for r in [rule(interval=(6, 6))])

    items = generate_schedule(rules, date(2024, 1, 1), date(2025, 1, 1))

    assert len(items) == 2


# horizon_end


def test_it_plans_through_year_five_while_the_patient_is_early_on():
    start = date(2024, 2, 29)

    assert horizon_end(start, today=date(2024, 3, 1)) == date(2029, 2, 28)
    assert horizon_end(start, today=date(2027, 1, 1)) == date(2029, 2, 28)


def test_it_rolls_one_year_ahead_once_year_five_is_near_or_past():
    start = date(2018, 1, 31)

    assert horizon_end(start, today=date(2023, 6, 30)) == date(2024, 6, 30)
    assert horizon_end(start, today=date(2030, 1, 31)) == date(2031, 1, 31)


# RuleSpec validation


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"interval": (0, 3)}, "at least 1 month"),
        ({"interval": (6, 3)}, "cannot be shorter"),
        ({"months": (-1, 12)}, "cannot be negative"),
        ({"months": (12, 12)}, "must come after"),
        ({"months": (12, 6)}, "must come after"),
        ({"window_days": -1}, "window cannot be negative"),
        ({"kind": "surgery"}, "kind must be one of"),
        ({"key": ""}, "needs a key"),
    ],
)
def test_it_refuses_a_rule_that_makes_no_sense(changes, message):
    with pytest.raises(ValueError, match=message):
        rule(**changes)


def test_it_is_immutable_and_hashable():
    spec = rule()

    with pytest.raises(AttributeError):
        spec.key = "other"  # type: ignore[misc]
    assert spec == rule()
    assert hash(spec) == hash(rule())


# validate_rules


def test_it_asks_for_at_least_one_rule():
    assert validate_rules([]) == ["A template needs at least one rule."]


def test_it_accepts_rules_that_hand_over_from_one_range_to_the_next():
    rules = [
        rule("visit_y1_3", interval=(3, 6), months=(0, 36), window_days=14),
        rule("visit_y4_5", interval=(6, 12), months=(36, 60), window_days=21),
        rule("visit_yearly", interval=(12, 12), months=(60, None), window_days=30),
        rule("mammogram", kind="imaging", interval=(12, 12), modality="mammogram"),
    ]

    assert validate_rules(rules) == []


def test_it_reports_overlapping_rules_for_the_same_test():
    rules = [
        rule("cea_early", kind="lab", interval=(3, 6), months=(0, 24), lab_test="cea"),
        rule("cea_late", kind="lab", interval=(6, 12), months=(12, 60), lab_test="cea"),
    ]

    assert validate_rules(rules) == [
        "Rules 'cea_early' and 'cea_late' overlap between month 12 and 24 for the same test."
    ]


def test_it_reports_an_overlap_with_a_lifelong_rule_as_open_ended():
    rules = [
        rule("yearly", interval=(12, 12), months=(60, None)),
        rule("also_yearly", interval=(12, 12), months=(48, None)),
    ]

    assert validate_rules(rules) == [
        "Rules 'yearly' and 'also_yearly' overlap from month 60 onwards for the same test."
    ]


def test_it_allows_different_tests_to_cover_the_same_months():
    rules = [
        rule("cea", kind="lab", interval=(3, 6), months=(0, 60), lab_test="cea"),
        rule("psa", kind="lab", interval=(6, 12), months=(0, 60), lab_test="psa"),
        rule("ct", kind="imaging", interval=(12, 12), months=(0, 36), modality="ct"),
        rule("visit", interval=(3, 6), months=(0, 60)),
    ]

    assert validate_rules(rules) == []


def test_it_reports_duplicate_keys_once():
    rules = [
        rule("visit", interval=(3, 6), months=(0, 12)),
        rule("visit", interval=(6, 12), months=(12, 24)),
        rule("visit", interval=(12, 12), months=(24, None)),
    ]

    assert validate_rules(rules) == [
        "The key 'visit' is used by more than one rule; each rule needs its own key."
    ]


def test_it_reports_a_rule_that_never_falls_due():
    problems = validate_rules([rule("ct", interval=(12, 12), months=(0, 6))])

    assert problems == [
        "Rule 'ct' never falls due: an interval of 12 months does not fit between month 0 and 6."
    ]


def test_it_reports_a_window_too_wide_for_its_interval():
    problems = validate_rules([rule("monthly", interval=(1, 1), window_days=14)])

    assert len(problems) == 1
    assert problems[0].startswith("Rule 'monthly': a window of 14 days either side is too wide")
    assert validate_rules([rule("monthly", interval=(1, 1), window_days=13)]) == []
