from datetime import date

import pytest

from patients.choices import DiseaseStatus
from patients.classification import classify_return, full_months_between

NED, STABLE, PARTIAL = DiseaseStatus.NED, DiseaseStatus.STABLE, DiseaseStatus.PARTIAL_RESPONSE


def test_it_calls_a_return_after_a_year_clear_a_recurrence():
    result = classify_return([(date(2024, 1, 10), NED)], date(2025, 9, 15))
    assert result.status == DiseaseStatus.RECURRENCE
    assert result.reason == "no evidence of disease since 2024-01-10, 20 months: recurrence"


def test_it_calls_a_return_within_a_year_likely_progression_and_says_why():
    result = classify_return([(date(2025, 3, 2), NED)], date(2025, 10, 20))
    assert result.status == DiseaseStatus.PROGRESSION
    assert result.reason == "no evidence of disease since 2025-03-02, 7 months: likely progression"


def test_it_calls_a_return_without_any_clear_period_progression():
    result = classify_return([(date(2025, 1, 1), PARTIAL)], date(2025, 12, 1))
    assert result.status == DiseaseStatus.PROGRESSION
    assert "no period of no evidence of disease recorded before 2025-12-01" in result.reason


@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        (date(2025, 1, 9), DiseaseStatus.PROGRESSION),  # 11 months and 30 days
        (date(2025, 1, 10), DiseaseStatus.RECURRENCE),  # exactly 12 months
    ],
)
def test_it_draws_the_line_at_exactly_twelve_months(returned, expected):
    assert classify_return([(date(2024, 1, 10), NED)], returned).status == expected


def test_it_counts_only_the_latest_unbroken_clear_period():
    events = [
        (date(2020, 1, 1), NED),
        (date(2023, 6, 1), STABLE),  # disease seen again: the old clear period ends
        (date(2024, 11, 1), NED),
        (date(2025, 2, 1), NED),  # a second NED check keeps the period going from 2024-11-01
    ]
    result = classify_return(events, date(2025, 8, 1))
    assert result.status == DiseaseStatus.PROGRESSION
    assert result.ned_since == date(2024, 11, 1) and result.months == 9


def test_it_ignores_events_on_or_after_the_return_date():
    events = [(date(2023, 1, 1), NED), (date(2025, 6, 1), STABLE)]
    assert classify_return(events, date(2025, 6, 1)).status == DiseaseStatus.RECURRENCE


def test_it_counts_full_months_across_month_ends():
    assert full_months_between(date(2024, 1, 31), date(2024, 2, 29)) == 0
    assert full_months_between(date(2024, 1, 31), date(2024, 3, 31)) == 2
    assert full_months_between(date(2024, 2, 29), date(2025, 2, 28)) == 11
    assert full_months_between(date(2024, 2, 29), date(2025, 3, 1)) == 12


def test_a_late_entered_earlier_clear_result_does_not_flip_the_answer():
    # The 2023-01 clear result is typed in last, after the later events: it is dated
    # before the 2023-06 disease event, so it is not part of the latest run.
    entered = [
        (date(2023, 6, 1), STABLE),
        (date(2024, 11, 1), NED),
        (date(2024, 12, 1), NED),
    ]
    before = classify_return(entered, date(2025, 8, 1))
    late = classify_return([*entered, (date(2023, 1, 1), NED)], date(2025, 8, 1))
    assert before == late  # 2023-01 is before the 2023-06 disease event: not in the run
    assert late.status == DiseaseStatus.PROGRESSION and late.ned_since == date(2024, 11, 1)


def test_the_answer_does_not_depend_on_the_order_events_were_entered():
    events = [
        (date(2022, 3, 1), NED),
        (date(2023, 6, 1), STABLE),
        (date(2024, 1, 5), NED),
        (date(2024, 7, 5), NED),
        (date(2024, 7, 5), STABLE),  # the same day as a clear result
        (date(2024, 9, 1), NED),
    ]
    answers = {classify_return(order, date(2025, 10, 1)) for order in (events, events[::-1])}
    assert len(answers) == 1
    # Disease seen on a day breaks the run, whatever else that day showed.
    assert answers.pop().ned_since == date(2024, 9, 1)


def test_a_late_entered_disease_event_inside_the_run_restarts_the_twelve_months():
    clear = [(date(2023, 1, 1), NED), (date(2024, 6, 1), NED)]
    assert classify_return(clear, date(2025, 3, 1)).status == DiseaseStatus.RECURRENCE
    broken = classify_return([*clear, (date(2024, 5, 1), STABLE)], date(2025, 3, 1))
    assert broken.status == DiseaseStatus.PROGRESSION
    assert broken.ned_since == date(2024, 6, 1) and broken.months == 9
