"""Follow-up schedule generation: pure date arithmetic, no database.

A care-plan template is a set of rules ("a check-up every 3-6 months in years 1-3").
`generate_schedule` turns those rules into dated items for one patient, counting from the
anchor date (normally the end of active treatment).

Conventions, in one place:

- Months are calendar months and are always counted from the anchor, never chained from
  the previous item, so a plan anchored on 31 January falls due on 28/29 February, then
  31 March, then 30 April, instead of drifting to the 28th for ever.
- A rule covers the month offsets ``from_month < m <= until_month``; its item ``n``
  (1-based) falls due at month ``from_month + n * interval_min``. Adjacent rules for the
  same test therefore hand over cleanly: a rule for months 0-36 owns month 36 and the
  next rule for months 36-60 starts at 36 + its own interval.
- A guideline range ("every 3-6 months") uses the shorter interval for due dates and the
  longer one for the end of the due window (see `generate_schedule` for the window).
- The output depends only on the inputs: items are never affected by today's date, and
  extending ``until`` only appends items; it never changes the ones already produced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

KIND_VISIT = "visit"
KIND_IMAGING = "imaging"
KIND_LAB = "lab"
KIND_PROCEDURE = "procedure"
KINDS: tuple[str, ...] = (KIND_VISIT, KIND_IMAGING, KIND_LAB, KIND_PROCEDURE)

# Through year 5 the plan covers months 0-60; after that it rolls one year ahead.
CORE_HORIZON_MONTHS = 60
ROLLING_HORIZON_MONTHS = 12

# The shortest month has 28 days; used to check that a window fits inside an interval.
_MIN_DAYS_PER_MONTH = 28

_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def add_months(d: date, months: int) -> date:
    """Return ``d`` moved by ``months`` calendar months, clamped to the end of the month.

    2024-01-31 + 1 is 2024-02-29, 2024-02-29 + 12 is 2025-02-28. Negative values move
    backwards. Always add to the original anchor; chaining calls loses month ends.
    """
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    day = min(d.day, _days_in_month(year, month))
    return date(year, month, day)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One line of a care-plan template.

    ``interval_min_months``/``interval_max_months`` hold a guideline range ("every 3-6
    months"); equal values mean a fixed interval. ``until_month`` None means the rule
    runs for life (rolling "then yearly" items). ``window_days`` is the grace either side
    of the due date.
    """

    key: str
    kind: str
    label: str
    interval_min_months: int
    interval_max_months: int
    from_month: int
    until_month: int | None
    window_days: int
    instructions: str = ""
    modality: str = ""
    lab_test: str = ""
    procedure: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("A rule needs a key.")
        if self.kind not in KINDS:
            raise ValueError(
                f"Rule '{self.key}': kind must be one of {', '.join(KINDS)}, not {self.kind!r}."
            )
        if self.interval_min_months < 1:
            raise ValueError(
                f"Rule '{self.key}': the shorter interval must be at least 1 month "
                f"(got {self.interval_min_months})."
            )
        if self.interval_max_months < self.interval_min_months:
            raise ValueError(
                f"Rule '{self.key}': the longer interval ({self.interval_max_months} months) "
                f"cannot be shorter than the shorter one ({self.interval_min_months} months)."
            )
        if self.from_month < 0:
            raise ValueError(
                f"Rule '{self.key}': the starting month cannot be negative (got {self.from_month})."
            )
        if self.until_month is not None and self.until_month <= self.from_month:
            raise ValueError(
                f"Rule '{self.key}': the last month ({self.until_month}) must come after "
                f"the starting month ({self.from_month})."
            )
        if self.window_days < 0:
            raise ValueError(
                f"Rule '{self.key}': the window cannot be negative (got {self.window_days} days)."
            )

    @property
    def test_key(self) -> tuple[str, str, str, str]:
        """What the rule checks: two rules with the same test_key must not overlap."""
        return (self.kind, self.modality, self.lab_test, self.procedure)

    def due_month(self, sequence: int) -> int:
        """Month offset (from the anchor) at which item ``sequence`` (1-based) falls due."""
        return self.from_month + sequence * self.interval_min_months

    @property
    def item_count(self) -> int | None:
        """How many items the rule makes over its whole range; None for lifelong rules."""
        if self.until_month is None:
            return None
        return (self.until_month - self.from_month) // self.interval_min_months


@dataclass(frozen=True, slots=True)
class PlannedItem:
    rule_key: str
    kind: str
    label: str
    sequence: int
    due_date: date
    window_start: date
    window_end: date
    modality: str
    lab_test: str
    procedure: str
    instructions: str


def generate_schedule(rules: Iterable[RuleSpec], start: date, until: date) -> list[PlannedItem]:
    """Plan every item falling due from ``start`` (the anchor) through ``until`` inclusive.

    Item ``n`` of a rule is due at ``start + from_month + n * interval_min`` months and is
    kept while that month is within ``until_month`` and the date is on or before
    ``until``. The result is sorted by (due_date, rule_key, sequence) and depends only on
    the arguments.

    The due window:

    - ``window_start = due - window_days``.
    - ``window_end`` follows the guideline range: the item is late once the *longer*
      interval has passed since the previous item of the rule fell due, i.e.
      ``start + from_month + (n - 1) * interval_min + interval_max`` months, and never
      earlier than ``due + window_days``.
    - Choice: that end is capped at the due date of the next item of the same rule. For
      ordinary ranges (the longer interval at most twice the shorter: 3-6, 6-12, fixed)
      the cap changes nothing. For wide ranges (1-3, 2-6, 3-12 months) an uncapped
      window would stay open across two or more later items, so a patient would show
      several copies of one check-up due at once; with the cap, successive items of a
      rule hand over at the next due date and at most two are open at the same time
      (only during the next item's early grace of ``window_days``). The last item of a
      bounded rule has no successor and keeps the full longer interval. The cap uses the
      rule's own series, not ``until``, so extending the horizon never moves a window.
    """
    if until < start:
        return []
    items: list[PlannedItem] = []
    append = items.append
    for rule in rules:
        step = rule.interval_min_months
        base = rule.from_month
        last_month = rule.until_month
        grace = timedelta(days=rule.window_days)
        stretch = rule.interval_max_months - step  # extra months the longer interval allows
        n = 1
        month = base + step
        due = add_months(start, month)
        while (last_month is None or month <= last_month) and due <= until:
            next_month = month + step
            has_next = last_month is None or next_month <= last_month
            next_due = add_months(start, next_month)
            late = add_months(start, month + stretch) if stretch else due
            if has_next and late > next_due:
                late = next_due
            end = due + grace
            if late > end:
                end = late
            append(
                PlannedItem(
                    rule.key,
                    rule.kind,
                    rule.label,
                    n,
                    due,
                    due - grace,
                    end,
                    rule.modality,
                    rule.lab_test,
                    rule.procedure,
                    rule.instructions,
                )
            )
            n += 1
            month = next_month
            due = next_due
    items.sort(key=lambda item: (item.due_date, item.rule_key, item.sequence))
    return items


def horizon_end(start: date, today: date) -> date:
    """Last date a plan should be generated through.

    Through year 5 the whole of months 0-60 is planned; after that the plan rolls one
    year ahead of ``today`` (pass today in: this module never reads the clock).
    """
    return max(
        add_months(start, CORE_HORIZON_MONTHS),
        add_months(today, ROLLING_HORIZON_MONTHS),
    )


def _describe_range(low: int, high: int | None) -> str:
    if high is None:
        return f"from month {low} onwards"
    return f"between month {low} and {high}"


def validate_rules(rules: Iterable[RuleSpec]) -> list[str]:
    """Problems with a set of rules, in plain English for the template admin form.

    Empty list means the rules are fine. Checks: at least one rule, unique keys, each
    rule falls due at least once, windows narrow enough that successive items of a rule
    do not run into each other, and no two rules for the same test (kind plus modality,
    lab test or procedure) cover the same months.
    """
    rules = list(rules)
    if not rules:
        return ["A template needs at least one rule."]

    problems: list[str] = []

    seen: set[str] = set()
    reported: set[str] = set()
    for rule in rules:
        if rule.key in seen and rule.key not in reported:
            problems.append(
                f"The key '{rule.key}' is used by more than one rule; each rule needs its own key."
            )
            reported.add(rule.key)
        seen.add(rule.key)

    for rule in rules:
        if rule.until_month is not None and rule.item_count == 0:
            problems.append(
                f"Rule '{rule.key}' never falls due: an interval of "
                f"{rule.interval_min_months} months does not fit between month "
                f"{rule.from_month} and {rule.until_month}."
            )
        if 2 * rule.window_days >= rule.interval_min_months * _MIN_DAYS_PER_MONTH:
            problems.append(
                f"Rule '{rule.key}': a window of {rule.window_days} days either side is too "
                f"wide for an interval of {rule.interval_min_months} months; successive "
                f"items would run into each other."
            )

    for i, first in enumerate(rules):
        for second in rules[i + 1 :]:
            if first.test_key != second.test_key:
                continue
            low = max(first.from_month, second.from_month)
            if first.until_month is None:
                high = second.until_month
            elif second.until_month is None:
                high = first.until_month
            else:
                high = min(first.until_month, second.until_month)
            if high is not None and high <= low:
                continue
            problems.append(
                f"Rules '{first.key}' and '{second.key}' overlap "
                f"{_describe_range(low, high)} for the same test."
            )
    return problems


# --- One item for two plans ------------------------------------------------------------
#
# A patient with two cancers (a second primary) can have two active plans. Where both
# schedules ask for the same test at about the same time, the patient gets one item with
# both reasons (issue #19). These functions decide "the same test" and "about the same
# time"; followup.services.plans does the writing.


def _code(text: str) -> str:
    """A test code compared loosely: case, spaces and punctuation do not count."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def item_code(item) -> tuple[str, str]:
    """(kind, normalised code) of anything with kind/modality/lab_test/procedure/label.

    A clinic visit is a clinic visit whatever the plan: the code is empty. Otherwise the
    code is the modality, lab test or procedure ("mammogram", "cea", "colonoscopy");
    an item added by hand without one falls back to its label.
    """
    if item.kind == KIND_VISIT:
        return (KIND_VISIT, "")
    code = item.modality or item.lab_test or item.procedure or item.label
    return (item.kind, _code(code))


def same_test(a, b) -> bool:
    """True when two items check the same thing: both clinic visits, two mammograms,
    the same blood test. A mammogram and a colonoscopy, or a chest CT and a low-dose
    chest CT, are different tests."""
    return item_code(a) == item_code(b)


# needs clinical review: how far apart two due dates may be and still be served by one
# item. Half the shorter interval of the two rules, counted with the shortest month (28
# days), so 42 days for 3-monthly visits, 84 for 6-monthly and 168 for yearly mammograms.
# Being under half an interval, at most one item of a rule's series can match.
MERGE_DAYS_PER_INTERVAL_MONTH = _MIN_DAYS_PER_MONTH // 2


def merge_tolerance_days(*interval_months: int | None) -> int:
    """Tolerance for the shorter of the known intervals (None: unknown, e.g. by hand)."""
    known = [months for months in interval_months if months]
    return min(known) * MERGE_DAYS_PER_INTERVAL_MONTH if known else 0


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An open item of another plan, as the matching sees it."""

    ref: int
    kind: str
    label: str
    modality: str
    lab_test: str
    procedure: str
    due_date: date
    interval_months: int | None = None


def match_shared_items(
    wanted: Iterable[PlannedItem],
    intervals: dict[str, int],
    others: Iterable[OpenItem],
    taken: Iterable[int] = (),
) -> dict[tuple[str, int], int]:
    """Which wanted items another plan's open item already covers.

    Returns ``{(rule_key, sequence): ref}``. A wanted item matches an open item of the
    same test whose due date is within `merge_tolerance_days` of the two rules'
    intervals (``intervals`` by rule key for the wanted side). The nearest wins (then
    the earlier, then the lower ref); each open item covers at most one wanted item
    (``taken`` lists refs already used).
    """
    used = set(taken)
    others = list(others)
    matches: dict[tuple[str, int], int] = {}
    for item in sorted(wanted, key=lambda i: (i.due_date, i.rule_key, i.sequence)):
        best = None
        for other in others:
            if other.ref in used or not same_test(item, other):
                continue
            gap = abs((other.due_date - item.due_date).days)
            if gap > merge_tolerance_days(intervals.get(item.rule_key), other.interval_months):
                continue
            rank = (gap, other.due_date, other.ref)
            if best is None or rank < best[0]:
                best = (rank, other.ref)
        if best is not None:
            matches[(item.rule_key, item.sequence)] = best[1]
            used.add(best[1])
    return matches
