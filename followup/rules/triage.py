"""Symptom-report triage: one table of rules, pure functions, no database.

A patient's symptom report (the warning signs they ticked, each with a severity, how
long it has lasted and whether it is new, the same or worse, plus optional 0-10 worry
and distress ratings) gets one of three levels. Urgent reaches a nurse today, review
within two working days, routine at the next visit. Weekly symptom reporting with nurse
alerts on severe or worsening symptoms improves outcomes, but alert burden is a real
cost (PRO-TECT: a third of surveys raised an alert, patients rated about a tenth of the
alerted symptoms urgent), so the table keeps "urgent" narrow and sends the rest to
review. Distress and worry use the Distress Thermometer's cut-off of 4 or more.

The rules, in priority order (``RULES`` holds the same table; a test keeps them equal):

| Rule | Level | Fires when |
|---|---|---|
| `severe_sign` | urgent | Any sign is rated severe. |
| `blood_stool_urine` | urgent | Blood in stool or urine is reported, at any severity. |
| `lump_and_weight_loss` | urgent | A lump or swelling and weight loss are in the same report. |
| `severe_distress` | urgent | Distress is 9 or 10: extreme distress should reach a nurse today. |
| `moderate_sign` | review | Any sign is rated moderate. |
| `lasting_14_days` | review | A sign has lasted 14 days or more, by its days or earlier reports. |
| `worsening` | review | The patient says a sign is worse, or it is rated higher than last time. |
| `recurring_sign` | review | A sign was also in at least 2 of the last 3 earlier reports. |
| `worry_4_plus` | review | Worry is 4 or more out of 10. |
| `distress_4_plus` | review | Distress is 4 or more out of 10. |
| `worry_rising` | review | Worry or distress is up 3 or more points since its last rating. |
| `routine` | routine | Nothing above fired, including a "nothing new" report. |

Every rule is checked; ``Triage.fired`` lists all that fired (urgent first, then table
order) and the first one decides the level, the stored rule and the reason shown with
the report. ``routine`` fires only when nothing else did.

Comparing with the patient's own earlier reports (``history``, newest first):

- ``lasting_14_days`` ("doesn't go away"): a sign lasts as long as the longer of the
  patient's own count of days and an unbroken run of earlier reports that contain the
  same sign code. The run starts with the most recent earlier report and stops at the
  first report without the sign; its length is today minus the date of the oldest
  report in the run, plus the days the patient gave in that report. So a sign seen in a
  report 20 days ago counts, one seen only 5 days ago does not, and reports 7 and 14
  days ago chain to 14 days. Reports are taken as they come: a long gap between two
  reports that both contain the sign still counts as one run.
- ``worsening``: the patient says "worse", or the sign was in the most recent earlier
  report at a lower severity (mild last time, moderate now), whatever the patient says.
  A sign rated lower than last time is not worsening.
- ``recurring_sign`` (shown as "persisting") counts reports, not days: the sign is in at
  least 2 of the last 3 earlier reports, with or without a gap between them. It catches
  a sign that keeps coming back (there, gone, back again) which ``lasting_14_days``
  misses because the run is broken, and frequent reports a few days apart that have not
  yet added up to 14 days.
- ``worry_rising``: worry and distress are each compared with the most recent earlier
  report that has a rating of that kind; a rise of 3 or more points fires even below 4.

Only the current report's signs can fire a rule: a sign that was in an earlier report
and is not reported now has gone away. Template-specific signs (codes such as
``breast:1``) take part in every rule just like the general warning signs; the rules that
name a code (``blood_stool_urine``, ``lump_swelling``, ``weight_loss``) use the codes of
``followup.rules.content.GENERAL_WARNING_SIGNS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

URGENT, REVIEW, ROUTINE = "urgent", "review", "routine"
LEVELS: tuple[str, ...] = (URGENT, REVIEW, ROUTINE)
SEVERITY_RANK = {"mild": 1, "moderate": 2, "severe": 3}
TRENDS: tuple[str, ...] = ("new", "same", "worse")

# Sign codes the table names (see followup.rules.content.GENERAL_WARNING_SIGNS).
BLOOD_CODE = "blood_stool_urine"
LUMP_CODE = "lump_swelling"
WEIGHT_LOSS_CODE = "weight_loss"

RATING_MIN, RATING_MAX = 0, 10
RATING_CONCERN = 4  # Distress Thermometer: 4 or more prompts further evaluation.
DISTRESS_EXTREME = 9
RATING_RISE = 3
LASTING_DAYS = 14
RECURRING_WINDOW = 3  # the last 3 earlier reports ...
RECURRING_MIN = 2  # ... of which at least 2 contain the sign.


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_rating(name: str, value: int | None) -> None:
    if value is None:
        return
    if not _is_int(value) or not RATING_MIN <= value <= RATING_MAX:
        raise ValueError(f"{name} must be a whole number from 0 to 10, got {value!r}")


def _check_date(name: str, value: object) -> None:
    # A datetime is a date too, but subtracting one from a date fails later and far away.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"{name} must be a date (not a datetime), got {value!r}")


@dataclass(frozen=True)
class Sign:
    """One warning sign in one report, as the patient described it."""

    code: str  # e.g. "lump_swelling", "pain", or a template-specific code like "breast:1"
    severity: str  # "mild" | "moderate" | "severe"
    days: int | None  # how long it has lasted, in days (None = not said)
    trend: str  # "new" | "same" | "worse" as the patient says

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code.strip():
            raise ValueError(f"sign code must be a non-empty string, got {self.code!r}")
        if self.severity not in SEVERITY_RANK:
            raise ValueError(
                f"unknown severity {self.severity!r} for {self.code}: "
                f"expected one of {', '.join(SEVERITY_RANK)}"
            )
        if self.trend not in TRENDS:
            raise ValueError(
                f"unknown trend {self.trend!r} for {self.code}: expected one of {', '.join(TRENDS)}"
            )
        if self.days is not None and (not _is_int(self.days) or self.days < 0):
            raise ValueError(f"days for {self.code} must be a whole number >= 0, got {self.days!r}")

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.severity]


@dataclass(frozen=True)
class PastReport:
    """One of the patient's earlier reports, as far as triage needs it."""

    submitted_on: date
    signs: tuple[Sign, ...]
    worry: int | None = None
    distress: int | None = None

    def __post_init__(self) -> None:
        _check_date("submitted_on", self.submitted_on)
        object.__setattr__(self, "signs", tuple(self.signs))
        for sign in self.signs:
            if not isinstance(sign, Sign):
                raise TypeError(f"PastReport.signs holds Sign objects, got {sign!r}")
        _check_rating("worry", self.worry)
        _check_rating("distress", self.distress)

    def sign(self, code: str) -> Sign | None:
        """The report's sign with this code; if listed twice, the more severe one."""
        found = [sign for sign in self.signs if sign.code == code]
        return max(found, key=lambda sign: (sign.rank, sign.days or 0)) if found else None


@dataclass(frozen=True)
class Fired:
    """A rule that fired for a report."""

    rule: str  # stable code from RULES, e.g. "severe_sign"
    level: str  # URGENT / REVIEW / ROUTINE
    reason: str  # plain English for the nurse, naming the sign(s)


@dataclass(frozen=True)
class Triage:
    """The decision for one report."""

    level: str
    rule: str  # the highest-priority rule that fired ("routine" if none)
    reason: str
    fired: tuple[Fired, ...]  # every rule that fired, highest level first, table order within

    def as_dict(self) -> dict:
        """JSON-ready form, for storing with the report."""
        return {
            "level": self.level,
            "rule": self.rule,
            "reason": self.reason,
            "fired": [{"rule": f.rule, "level": f.level, "reason": f.reason} for f in self.fired],
        }


@dataclass(frozen=True)
class _Report:
    """The current report with its history, as the rule checks see it."""

    signs: tuple[Sign, ...]
    worry: int | None
    distress: int | None
    history: tuple[PastReport, ...]  # newest first
    today: date
    labels: Mapping[str, str]

    def label(self, code: str) -> str:
        return self.labels.get(code) or code

    def names(self, signs: Sequence[Sign]) -> str:
        """The signs' labels, in report order, each once."""
        return ", ".join(dict.fromkeys(self.label(sign.code) for sign in signs))

    def has(self, code: str) -> Sign | None:
        found = [sign for sign in self.signs if sign.code == code]
        return max(found, key=lambda sign: sign.rank) if found else None


def _detail_list(details: Sequence[tuple[str, str]]) -> str:
    # One entry per label: a sign listed twice is named once, with its first detail.
    first: dict[str, str] = {}
    for label, detail in details:
        first.setdefault(label, detail)
    return ", ".join(f"{label} ({detail})" for label, detail in first.items())


# --- The rule checks: each returns the reason text when the rule fires, else None. ---------


def _severe_sign(report: _Report) -> str | None:
    hits = [sign for sign in report.signs if sign.severity == "severe"]
    return f"Severe: {report.names(hits)}" if hits else None


def _blood_stool_urine(report: _Report) -> str | None:
    sign = report.has(BLOOD_CODE)
    if sign is None:
        return None
    return f"{report.label(BLOOD_CODE)}: reported as {sign.severity}; blood is always urgent"


def _lump_and_weight_loss(report: _Report) -> str | None:
    if report.has(LUMP_CODE) is None or report.has(WEIGHT_LOSS_CODE) is None:
        return None
    lump, weight_loss = report.label(LUMP_CODE), report.label(WEIGHT_LOSS_CODE)
    return f"Together in one report: {lump} and {weight_loss}"


def _severe_distress(report: _Report) -> str | None:
    if report.distress is None or report.distress < DISTRESS_EXTREME:
        return None
    return f"Distress {report.distress}/10: extreme distress should reach a nurse today"


def _moderate_sign(report: _Report) -> str | None:
    hits = [sign for sign in report.signs if sign.severity == "moderate"]
    return f"Moderate: {report.names(hits)}" if hits else None


def _persisting_since(report: _Report, code: str) -> tuple[int, date] | None:
    """Days covered by the unbroken run of earlier reports with this sign, and its start."""
    start: tuple[date, int] | None = None
    for past in report.history:
        sign = past.sign(code)
        if sign is None:
            break
        start = (past.submitted_on, sign.days or 0)
    if start is None:
        return None
    started_on, days_then = start
    return (report.today - started_on).days + days_then, started_on


def _lasting_14_days(report: _Report) -> str | None:
    details = []
    for sign in report.signs:
        own = sign.days or 0
        chained = _persisting_since(report, sign.code)
        if chained is not None and chained[0] > own:
            days, since = chained
            if days >= LASTING_DAYS:
                detail = f"{days} days, in reports since {since.isoformat()}"
                details.append((report.label(sign.code), detail))
        elif own >= LASTING_DAYS:
            details.append((report.label(sign.code), f"{own} days, as the patient says"))
    return f"Lasting 14 days or more: {_detail_list(details)}" if details else None


def _worsening(report: _Report) -> str | None:
    previous = report.history[0] if report.history else None
    details = []
    for sign in report.signs:
        before = previous.sign(sign.code) if previous is not None else None
        if before is not None and before.rank < sign.rank:
            detail = (
                f"{sign.severity}, was {before.severity} on {previous.submitted_on.isoformat()}"
            )
            details.append((report.label(sign.code), detail))
        elif sign.trend == "worse":
            details.append((report.label(sign.code), "the patient says it is worse"))
    return f"Worse: {_detail_list(details)}" if details else None


def _recurring_sign(report: _Report) -> str | None:
    window = report.history[:RECURRING_WINDOW]
    details = []
    for sign in report.signs:
        count = sum(1 for past in window if past.sign(sign.code) is not None)
        if count >= RECURRING_MIN:
            detail = f"also in {count} of the last {len(window)} reports"
            details.append((report.label(sign.code), detail))
    return f"Persisting: {_detail_list(details)}" if details else None


def _worry_4_plus(report: _Report) -> str | None:
    if report.worry is None or report.worry < RATING_CONCERN:
        return None
    return f"Worry about cancer coming back: {report.worry}/10 (4 or more needs a conversation)"


def _distress_4_plus(report: _Report) -> str | None:
    if report.distress is None or report.distress < RATING_CONCERN:
        return None
    return f"Distress {report.distress}/10 (4 or more prompts a closer look)"


def _worry_rising(report: _Report) -> str | None:
    parts = []
    for name in ("worry", "distress"):
        now = getattr(report, name)
        if now is None:
            continue
        for past in report.history:
            before = getattr(past, name)
            if before is None:
                continue
            if now - before >= RATING_RISE:
                parts.append(
                    f"{name} up from {before} to {now} since {past.submitted_on.isoformat()}"
                )
            break
    if not parts:
        return None
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


def _routine(report: _Report) -> str | None:
    if not report.signs:
        return "Nothing new: no warning signs reported"
    return f"Mild, not lasting, not worse: {report.names(report.signs)}"


@dataclass(frozen=True)
class Rule:
    """One row of the triage table."""

    code: str
    level: str
    description: str
    check: Callable[[_Report], str | None] = field(repr=False, compare=False)


# The triage table, in priority order. Keep the module docstring's table in step (a test
# compares them) and never reuse or rename a code: codes are stored with reports.
RULES: tuple[Rule, ...] = (
    Rule("severe_sign", URGENT, "Any sign is rated severe.", _severe_sign),
    Rule(
        "blood_stool_urine",
        URGENT,
        "Blood in stool or urine is reported, at any severity.",
        _blood_stool_urine,
    ),
    Rule(
        "lump_and_weight_loss",
        URGENT,
        "A lump or swelling and weight loss are in the same report.",
        _lump_and_weight_loss,
    ),
    Rule(
        "severe_distress",
        URGENT,
        "Distress is 9 or 10: extreme distress should reach a nurse today.",
        _severe_distress,
    ),
    Rule("moderate_sign", REVIEW, "Any sign is rated moderate.", _moderate_sign),
    Rule(
        "lasting_14_days",
        REVIEW,
        "A sign has lasted 14 days or more, by its days or earlier reports.",
        _lasting_14_days,
    ),
    Rule(
        "worsening",
        REVIEW,
        "The patient says a sign is worse, or it is rated higher than last time.",
        _worsening,
    ),
    Rule(
        "recurring_sign",
        REVIEW,
        "A sign was also in at least 2 of the last 3 earlier reports.",
        _recurring_sign,
    ),
    Rule("worry_4_plus", REVIEW, "Worry is 4 or more out of 10.", _worry_4_plus),
    Rule("distress_4_plus", REVIEW, "Distress is 4 or more out of 10.", _distress_4_plus),
    Rule(
        "worry_rising",
        REVIEW,
        "Worry or distress is up 3 or more points since its last rating.",
        _worry_rising,
    ),
    Rule(
        "routine",
        ROUTINE,
        'Nothing above fired, including a "nothing new" report.',
        _routine,
    ),
)

RULES_BY_CODE: Mapping[str, Rule] = MappingProxyType({rule.code: rule for rule in RULES})


def rules_markdown() -> str:
    """The triage table as Markdown, as it appears in this module's docstring."""
    lines = ["| Rule | Level | Fires when |", "|---|---|---|"]
    lines += [f"| `{rule.code}` | {rule.level} | {rule.description} |" for rule in RULES]
    return "\n".join(lines)


def triage(
    *,
    signs: Sequence[Sign],
    worry: int | None,
    distress: int | None,
    history: Sequence[PastReport],
    today: date,
    labels: Mapping[str, str] | None = None,
) -> Triage:
    """Triage one report against the patient's earlier reports.

    ``history`` is the patient's earlier reports, newest first (it is re-sorted by date
    to be safe; reports on the same day keep the given order). ``today`` is the current
    report's date, in the same calendar as ``history`` (the patient's local date); no
    earlier report may be dated after it. ``labels`` maps sign codes to the labels
    named in reasons; a code without a label is named by its code.
    """
    _check_date("today", today)
    _check_rating("worry", worry)
    _check_rating("distress", distress)
    current = tuple(signs)
    for sign in current:
        if not isinstance(sign, Sign):
            raise TypeError(f"signs holds Sign objects, got {sign!r}")
    for past in history:
        if not isinstance(past, PastReport):
            raise TypeError(f"history holds PastReport objects, got {past!r}")
        if past.submitted_on > today:
            raise ValueError(
                f"an earlier report is dated {past.submitted_on.isoformat()}, "
                f"after today ({today.isoformat()})"
            )
    # sorted() stays stable with reverse=True: same-day reports keep the caller's order.
    ordered = tuple(sorted(history, key=lambda past: past.submitted_on, reverse=True))
    report = _Report(current, worry, distress, ordered, today, labels or {})

    fired = []
    for rule in RULES:
        if rule.level == ROUTINE:
            continue
        reason = rule.check(report)
        if reason is not None:
            fired.append(Fired(rule.code, rule.level, reason))
    if not fired:
        fired = [
            Fired(rule.code, rule.level, rule.check(report) or "")
            for rule in RULES
            if rule.level == ROUTINE
        ]
    fired.sort(key=lambda item: LEVELS.index(item.level))  # stable: table order within a level
    top = fired[0]
    return Triage(level=top.level, rule=top.rule, reason=top.reason, fired=tuple(fired))


_NEXT_STEPS: Mapping[str, str] = MappingProxyType(
    {
        URGENT: (
            "Please call your care team now on {phone}. If you feel very unwell or it is "
            "an emergency, call emergency services."
        ),
        REVIEW: "Your nurse will look at this within two working days.",
        ROUTINE: "Thank you. Your nurse will see this at your next review.",
    }
)


def explain_level(level: str) -> str:
    """What happens next, for the patient. The urgent text has a ``{phone}`` placeholder."""
    try:
        return _NEXT_STEPS[level]
    except KeyError:
        raise ValueError(
            f"unknown triage level {level!r}: expected one of {', '.join(LEVELS)}"
        ) from None
