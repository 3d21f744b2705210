"""Symptom-report triage: one table of rules, pure functions, no database.

A patient's symptom report (the warning signs they ticked, each with a severity, how
long it has lasted and whether it is new, the same or worse; free text; an answer to the
self-harm question; optional 0-10 worry and distress ratings) gets one of three levels.
Urgent reaches a nurse today, review within two working days, routine at the next
visit. Weekly symptom reporting with nurse alerts on severe or worsening symptoms
improves outcomes, but alert burden is a real cost (PRO-TECT: about a third of surveys
raised an alert, about a tenth were urgent), so the table keeps "urgent" for red flags
and sends the rest to review.

Context the rules read besides the report:

- the sign catalogue (``followup.rules.signs``): each sign's stable code, its own level (red
  flags are urgent at any severity) and its meanings, so a template lump counts as a lump;
- the patient's treatments (fever during or soon after chemotherapy; new symptoms during
  or within a year after immunotherapy);
- the nurse's known baselines: a known sign reported unchanged or better raises nothing
  by itself; worse than its baseline is review; a red flag alerts whatever is known;
- free text: red-flag phrases (``followup.rules.redflags``) are urgent, and free text with no
  sign ticked goes to review so a person reads it;
- the patient's own earlier reports (``history``, newest first).

The rules, in priority order (``RULES`` holds the same table; a test keeps them equal):

| Rule | Level | Fires when | Source |
|---|---|---|---|
| `self_harm` | urgent | The patient answers yes to the question about harming themselves. | late-effects-and-red-flags.md: 988 Suicide & Crisis Lifeline; NCCN Distress Management |
| `red_flag_sign` | urgent | A sign with its own urgent level is reported, at any severity, known or not. | followup/rules/signs.py levels (late-effects-and-red-flags.md) |
| `red_flag_text` | urgent | The free text holds a red-flag phrase (chest pain, cannot breathe, fainting ...). | followup/rules/redflags.py (late-effects-and-red-flags.md); needs clinical review |
| `fever_after_chemo` | urgent | Fever or chills during chemotherapy or up to the fever window after it (42 days). | ASCO/IDSA febrile neutropenia, Taplitz 2018 |
| `severe_sign` | urgent | A sign is rated severe and is new, worse, or was not as severe last time. | PRO-TECT alert design (Basch 2022); needs clinical review |
| `blood_stool_urine` | urgent | Blood in stool or urine is reported, at any severity, unless known and unchanged. | seeds/000 warning signs; needs clinical review |
| `lump_and_weight_loss` | urgent | A lump or swelling (any list) and weight loss are in the same report. | seeds/000 warning signs; needs clinical review |
| `severe_distress` | urgent | Distress is 9 or 10: extreme distress should reach a nurse today. | NCCN Distress Thermometer; 9+ is the team's threshold, needs clinical review |
| `severe_unchanged` | review | A severe sign the patient calls the same, as severe as last time. | team rule against alert fatigue; needs clinical review |
| `worse_than_baseline` | review | A known sign is rated above its baseline, or said to be worse. | team rule (issue 11); needs clinical review |
| `sign_level_review` | review | A sign with its own review level is reported. | followup/rules/signs.py levels |
| `immunotherapy_new_symptom` | review | A new or worse sign during immunotherapy or within a year after it. | late-effects-and-red-flags.md: ASCO, Schneider 2021 |
| `moderate_sign` | review | Any sign is rated moderate. | PRO-TECT alert design (Basch 2022) |
| `lasting_14_days` | review | A sign has lasted 14 days or more, by its days or earlier reports. | seeds/000: pain or cough that does not go away; 14 days needs clinical review |
| `worsening` | review | The patient says a sign is worse, or it is rated higher than last time. | PRO-TECT alert design (Basch 2022) |
| `recurring_sign` | review | A sign was also in at least 2 of the last 3 earlier reports. | team rule; needs clinical review |
| `free_text_only` | review | Free text with no sign ticked: a person reads it. | issue 11: free text is never ignored |
| `worry_5_plus` | review | Worry is 5 or more out of 10. | late-effects-and-red-flags.md: FCR-1r, Lyhne 2023 |
| `distress_4_plus` | review | Distress is 4 or more out of 10. | late-effects-and-red-flags.md: NCCN Distress Thermometer |
| `worry_rising` | review | Worry or distress is up 3 or more points since its last rating. | team rule; needs clinical review |
| `routine` | routine | Nothing above fired, including a "nothing new" report. | - |

Every rule is checked; ``Triage.fired`` lists all that fired (urgent first, then table
order) and the first one decides the level, the stored rule and the reason shown with
the report. ``routine`` fires only when nothing else did. Thresholds: distress 4 or more
(NCCN Distress Thermometer), worry 5 or more (FCR-1r, Lyhne 2023), distress 9-10 urgent,
fever window 42 days (``TRIAGE_FEVER_WINDOW_DAYS``); each is a constant below with its
source, and ``docs/triage.md`` explains the table for clinical review.

Comparing with the patient's own earlier reports:

- ``lasting_14_days`` ("doesn't go away"): a sign lasts as long as the longer of the
  patient's own count of days and an unbroken run of earlier reports that contain the
  same sign code. The run starts with the most recent earlier report and stops at the
  first report without the sign; its length is today minus the date of the oldest
  report in the run, plus the days the patient gave in that report.
- ``worsening``: the patient says "worse", or the sign was in the most recent earlier
  report at a lower severity, whatever the patient says.
- ``severe_sign`` vs ``severe_unchanged``: a severe sign is urgent unless the patient
  calls it the same and it was at least as severe in the last report; then it is review,
  so a stable, severe chronic pain does not page a nurse every week.
- ``recurring_sign`` (shown as "persisting"): the sign is in at least 2 of the last 3
  earlier reports.
- ``worry_rising``: worry and distress are each compared with the most recent earlier
  report that has a rating of that kind; a rise of 3 or more points fires even below
  the thresholds.

Only the current report's signs can fire a rule: a sign that was in an earlier report
and is not reported now has gone away.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

from followup.rules import signs
from followup.rules.redflags import normalise as redflags_normalise
from followup.rules.redflags import red_flag_phrases

URGENT, REVIEW, ROUTINE = "urgent", "review", "routine"
LEVELS: tuple[str, ...] = (URGENT, REVIEW, ROUTINE)
SEVERITY_RANK = {"mild": 1, "moderate": 2, "severe": 3}
TRENDS: tuple[str, ...] = ("new", "same", "worse")

# Sign codes the table names (see followup.content.GENERAL_WARNING_SIGNS).
BLOOD_CODE = "blood_stool_urine"
LUMP_CODE = "lump_swelling"
WEIGHT_LOSS_CODE = "weight_loss"

RATING_MIN, RATING_MAX = 0, 10
# NCCN Distress Thermometer: 4 or more prompts further evaluation
# (shared/clinical/late-effects-and-red-flags.md, Ratings).
DISTRESS_CONCERN = 4
# Single fear-of-recurrence item (FCR-1r): 5 or more detected clinically significant fear
# (Lyhne et al., Supportive Care in Cancer 2023; Smith et al.), same file, Ratings.
WORRY_CONCERN = 5
# 9-10 on the thermometer is extreme: a nurse should hear today. The team's threshold,
# not a figure from the source: needs clinical review.
DISTRESS_EXTREME = 9
# Febrile neutropenia: fever or chills during chemotherapy or within about 6 weeks after
# the last dose (ASCO/IDSA outpatient febrile neutropenia, Taplitz et al., JCO 2018).
FEVER_WINDOW_DAYS = 42
# Immune-related side effects can start during or up to a year after immunotherapy
# (ASCO, Schneider et al., JCO 2021). The 365 days are read off "up to a year".
IMMUNOTHERAPY_WINDOW_DAYS = 365
CHEMOTHERAPY_MODALITIES = frozenset({"chemotherapy"})
IMMUNOTHERAPY_MODALITIES = frozenset({"immunotherapy"})
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
class Treatment:
    """A treatment, as far as triage needs it: its modality code and its dates."""

    modality: str  # patients.choices.Modality code, e.g. "chemotherapy"
    start: date | None
    end: date | None  # None: ongoing

    def __post_init__(self) -> None:
        if not isinstance(self.modality, str) or not self.modality:
            raise ValueError(f"treatment modality must be a code, got {self.modality!r}")
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None:
                _check_date(f"treatment {name}", value)

    def within(self, today: date, days_after: int) -> bool:
        """Under way today, or ended no more than ``days_after`` days ago."""
        if self.start is not None and self.start > today:
            return False
        return self.end is None or 0 <= (today - self.end).days <= days_after


@dataclass(frozen=True)
class Baseline:
    """A sign the nurse has marked as known for this patient, at its usual severity."""

    code: str
    severity: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_RANK:
            raise ValueError(
                f"unknown baseline severity {self.severity!r} for {self.code}: "
                f"expected one of {', '.join(SEVERITY_RANK)}"
            )

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.severity]


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
    treatments: tuple[Treatment, ...] = ()
    baselines: Mapping[str, Baseline] = field(default_factory=dict)
    other_text: str = ""
    self_harm: bool = False
    fever_window_days: int = FEVER_WINDOW_DAYS

    def label(self, code: str) -> str:
        return self.labels.get(code) or signs.label_of(code) or code

    def known(self, sign: Sign) -> bool:
        """A known sign reported unchanged or better: it does not alert by itself."""
        baseline = self.baselines.get(sign.code)
        return baseline is not None and sign.rank <= baseline.rank and sign.trend != "worse"

    @property
    def alerting(self) -> tuple[Sign, ...]:
        """The signs that may raise an alert: all but known ones at their usual level."""
        return tuple(sign for sign in self.signs if not self.known(sign))

    def with_meaning(self, meaning: str, *, alerting: bool = True) -> list[Sign]:
        pool = self.alerting if alerting else self.signs
        return [sign for sign in pool if meaning in signs.meanings_of(sign.code)]

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


def _self_harm(report: _Report) -> str | None:
    if not report.self_harm:
        return None
    return "The patient says they have had thoughts of harming themselves: call them today"


def _red_flag_sign(report: _Report) -> str | None:
    # A red flag alerts at any severity, and a known baseline never quietens it.
    hits = [sign for sign in report.signs if signs.level_of(sign.code) == URGENT]
    return f"Red flag: {report.names(hits)}" if hits else None


def _red_flag_text(report: _Report) -> str | None:
    found = red_flag_phrases(report.other_text)
    if not found:
        return None
    meanings = ", ".join(dict.fromkeys(meaning for _phrase, meaning in found))
    quoted = ", ".join(f'"{phrase}"' for phrase, _meaning in found)
    return f"The patient's own words suggest {meanings} ({quoted})"


def _fever_after_chemo(report: _Report) -> str | None:
    fevers = report.with_meaning(signs.FEVER, alerting=False)
    said = [
        phrase
        for phrase in ("fever", "temperature", "chills", "shivering")
        if phrase in redflags_normalise(report.other_text).split()
    ]
    if not fevers and not said:
        return None
    window = report.fever_window_days
    for treatment in report.treatments:
        if treatment.modality in CHEMOTHERAPY_MODALITIES and treatment.within(report.today, window):
            when = (
                "during chemotherapy"
                if treatment.end is None or treatment.end >= report.today
                else f"{(report.today - treatment.end).days} days after chemotherapy ended"
            )
            what = report.names(fevers) if fevers else "Fever or chills in their own words"
            return f"{what} {when}: possible febrile neutropenia"
    return None


def _severe_sign(report: _Report) -> str | None:
    hits = [
        sign
        for sign in report.alerting
        if sign.severity == "severe" and not _unchanged(report, sign)
    ]
    return f"Severe: {report.names(hits)}" if hits else None


def _blood_stool_urine(report: _Report) -> str | None:
    hits = [s for s in report.with_meaning(signs.BLOOD) if signs.level_of(s.code) != URGENT]
    if not hits:
        return None
    sign = max(hits, key=lambda s: s.rank)
    return f"{report.label(sign.code)}: reported as {sign.severity}; blood is always urgent"


def _lump_and_weight_loss(report: _Report) -> str | None:
    lumps = report.with_meaning(signs.LUMP)
    losses = report.with_meaning(signs.WEIGHT_LOSS)
    if not lumps or not losses:
        return None
    return f"Together in one report: {report.names(lumps)} and {report.names(losses)}"


def _severe_distress(report: _Report) -> str | None:
    if report.distress is None or report.distress < DISTRESS_EXTREME:
        return None
    return f"Distress {report.distress}/10: extreme distress should reach a nurse today"


def _unchanged(report: _Report, sign: Sign) -> bool:
    """A severe sign the patient calls "same" that was as severe in the last report."""
    if sign.trend != "same" or not report.history:
        return False
    before = report.history[0].sign(sign.code)
    return before is not None and before.rank >= sign.rank


def _severe_unchanged(report: _Report) -> str | None:
    hits = [
        sign for sign in report.alerting if sign.severity == "severe" and _unchanged(report, sign)
    ]
    if not hits:
        return None
    since = report.history[0].submitted_on.isoformat()
    return f"Severe but unchanged since {since}: {report.names(hits)}"


def _worse_than_baseline(report: _Report) -> str | None:
    details = []
    for sign in report.signs:
        baseline = report.baselines.get(sign.code)
        if baseline is None or report.known(sign):
            continue
        if sign.rank > baseline.rank:
            detail = f"{sign.severity}, usually {baseline.severity}"
        else:
            detail = f"the patient says it is worse than usual ({baseline.severity})"
        details.append((report.label(sign.code), detail))
    return f"Worse than the known baseline: {_detail_list(details)}" if details else None


def _sign_level_review(report: _Report) -> str | None:
    hits = [sign for sign in report.alerting if signs.level_of(sign.code) == REVIEW]
    return f"A sign to look at soon: {report.names(hits)}" if hits else None


def _immunotherapy_new_symptom(report: _Report) -> str | None:
    hits = [sign for sign in report.alerting if sign.trend in ("new", "worse")]
    if not hits:
        return None
    for treatment in report.treatments:
        if treatment.modality in IMMUNOTHERAPY_MODALITIES and treatment.within(
            report.today, IMMUNOTHERAPY_WINDOW_DAYS
        ):
            return f"New or worse during or after immunotherapy: {report.names(hits)}"
    return None


def _moderate_sign(report: _Report) -> str | None:
    hits = [sign for sign in report.alerting if sign.severity == "moderate"]
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
    for sign in report.alerting:
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
    for sign in report.alerting:
        if sign.code in report.baselines:
            continue  # worse_than_baseline speaks for known signs
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
    for sign in report.alerting:
        count = sum(1 for past in window if past.sign(sign.code) is not None)
        if count >= RECURRING_MIN:
            detail = f"also in {count} of the last {len(window)} reports"
            details.append((report.label(sign.code), detail))
    return f"Persisting: {_detail_list(details)}" if details else None


def _free_text_only(report: _Report) -> str | None:
    if report.signs or not report.other_text.strip():
        return None
    return "Only written in their own words, with no sign ticked: please read it"


def _worry_5_plus(report: _Report) -> str | None:
    if report.worry is None or report.worry < WORRY_CONCERN:
        return None
    return f"Worry about cancer coming back: {report.worry}/10 (5 or more needs a conversation)"


def _distress_4_plus(report: _Report) -> str | None:
    if report.distress is None or report.distress < DISTRESS_CONCERN:
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
    known = [sign for sign in report.signs if report.known(sign)]
    if known and len(known) == len(report.signs):
        return f"Known and unchanged: {report.names(known)}"
    return f"Mild, not lasting, not worse: {report.names(report.signs)}"


@dataclass(frozen=True)
class Rule:
    """One row of the triage table."""

    code: str
    level: str
    description: str
    source: str
    check: Callable[[_Report], str | None] = field(repr=False, compare=False)


_RF = "late-effects-and-red-flags.md"

# The triage table, in priority order. Keep the module docstring's table in step (a test
# compares them) and never reuse or rename a code: codes are stored with reports. Retired
# codes stay in RETIRED_RULES so that old reports still read in words.
RULES: tuple[Rule, ...] = (
    Rule(
        "self_harm",
        URGENT,
        "The patient answers yes to the question about harming themselves.",
        f"{_RF}: 988 Suicide & Crisis Lifeline; NCCN Distress Management",
        _self_harm,
    ),
    Rule(
        "red_flag_sign",
        URGENT,
        "A sign with its own urgent level is reported, at any severity, known or not.",
        f"followup/rules/signs.py levels ({_RF})",
        _red_flag_sign,
    ),
    Rule(
        "red_flag_text",
        URGENT,
        "The free text holds a red-flag phrase (chest pain, cannot breathe, fainting ...).",
        f"followup/rules/redflags.py ({_RF}); needs clinical review",
        _red_flag_text,
    ),
    Rule(
        "fever_after_chemo",
        URGENT,
        "Fever or chills during chemotherapy or up to the fever window after it (42 days).",
        "ASCO/IDSA febrile neutropenia, Taplitz 2018",
        _fever_after_chemo,
    ),
    Rule(
        "severe_sign",
        URGENT,
        "A sign is rated severe and is new, worse, or was not as severe last time.",
        "PRO-TECT alert design (Basch 2022); needs clinical review",
        _severe_sign,
    ),
    Rule(
        "blood_stool_urine",
        URGENT,
        "Blood in stool or urine is reported, at any severity, unless known and unchanged.",
        "seeds/000 warning signs; needs clinical review",
        _blood_stool_urine,
    ),
    Rule(
        "lump_and_weight_loss",
        URGENT,
        "A lump or swelling (any list) and weight loss are in the same report.",
        "seeds/000 warning signs; needs clinical review",
        _lump_and_weight_loss,
    ),
    Rule(
        "severe_distress",
        URGENT,
        "Distress is 9 or 10: extreme distress should reach a nurse today.",
        "NCCN Distress Thermometer; 9+ is the team's threshold, needs clinical review",
        _severe_distress,
    ),
    Rule(
        "severe_unchanged",
        REVIEW,
        "A severe sign the patient calls the same, as severe as last time.",
        "team rule against alert fatigue; needs clinical review",
        _severe_unchanged,
    ),
    Rule(
        "worse_than_baseline",
        REVIEW,
        "A known sign is rated above its baseline, or said to be worse.",
        "team rule (issue 11); needs clinical review",
        _worse_than_baseline,
    ),
    Rule(
        "sign_level_review",
        REVIEW,
        "A sign with its own review level is reported.",
        "followup/rules/signs.py levels",
        _sign_level_review,
    ),
    Rule(
        "immunotherapy_new_symptom",
        REVIEW,
        "A new or worse sign during immunotherapy or within a year after it.",
        f"{_RF}: ASCO, Schneider 2021",
        _immunotherapy_new_symptom,
    ),
    Rule(
        "moderate_sign",
        REVIEW,
        "Any sign is rated moderate.",
        "PRO-TECT alert design (Basch 2022)",
        _moderate_sign,
    ),
    Rule(
        "lasting_14_days",
        REVIEW,
        "A sign has lasted 14 days or more, by its days or earlier reports.",
        "seeds/000: pain or cough that does not go away; 14 days needs clinical review",
        _lasting_14_days,
    ),
    Rule(
        "worsening",
        REVIEW,
        "The patient says a sign is worse, or it is rated higher than last time.",
        "PRO-TECT alert design (Basch 2022)",
        _worsening,
    ),
    Rule(
        "recurring_sign",
        REVIEW,
        "A sign was also in at least 2 of the last 3 earlier reports.",
        "team rule; needs clinical review",
        _recurring_sign,
    ),
    Rule(
        "free_text_only",
        REVIEW,
        "Free text with no sign ticked: a person reads it.",
        "issue 11: free text is never ignored",
        _free_text_only,
    ),
    Rule(
        "worry_5_plus",
        REVIEW,
        "Worry is 5 or more out of 10.",
        f"{_RF}: FCR-1r, Lyhne 2023",
        _worry_5_plus,
    ),
    Rule(
        "distress_4_plus",
        REVIEW,
        "Distress is 4 or more out of 10.",
        f"{_RF}: NCCN Distress Thermometer",
        _distress_4_plus,
    ),
    Rule(
        "worry_rising",
        REVIEW,
        "Worry or distress is up 3 or more points since its last rating.",
        "team rule; needs clinical review",
        _worry_rising,
    ),
    Rule(
        "routine", ROUTINE, 'Nothing above fired, including a "nothing new" report.', "-", _routine
    ),
)

RULES_BY_CODE: Mapping[str, Rule] = MappingProxyType({rule.code: rule for rule in RULES})

# Codes no longer used, with their meaning, for reports stored before the change.
RETIRED_RULES: Mapping[str, str] = MappingProxyType(
    {"worry_4_plus": "Worry was 4 or more out of 10 (the threshold is now 5)."}
)


def rule_description(code: str) -> str:
    """The rule in words, for any stored code (current or retired)."""
    rule = RULES_BY_CODE.get(code)
    if rule is not None:
        return rule.description
    return RETIRED_RULES.get(code, "An earlier rule")


def rules_markdown() -> str:
    """The triage table as Markdown, as it appears in this module's docstring."""
    lines = ["| Rule | Level | Fires when | Source |", "|---|---|---|---|"]
    lines += [
        f"| `{rule.code}` | {rule.level} | {rule.description} | {rule.source} |" for rule in RULES
    ]
    return "\n".join(lines)


def triage(
    *,
    signs: Sequence[Sign],
    worry: int | None,
    distress: int | None,
    history: Sequence[PastReport],
    today: date,
    labels: Mapping[str, str] | None = None,
    treatments: Sequence[Treatment] = (),
    baselines: Sequence[Baseline] = (),
    other_text: str = "",
    self_harm: bool = False,
    fever_window_days: int = FEVER_WINDOW_DAYS,
) -> Triage:
    """Triage one report against the patient's earlier reports and known context.

    ``history`` is the patient's earlier reports, newest first (it is re-sorted by date
    to be safe; reports on the same day keep the given order). ``today`` is the current
    report's date, in the same calendar as ``history`` (the patient's local date); no
    earlier report may be dated after it. ``labels`` maps sign codes to the labels
    named in reasons; a code without one is named by its catalogue label, else its code.
    ``treatments`` and ``baselines`` are the patient's; ``other_text`` the free text.
    """
    _check_date("today", today)
    _check_rating("worry", worry)
    _check_rating("distress", distress)
    if not _is_int(fever_window_days) or fever_window_days < 0:
        raise ValueError(
            f"fever_window_days must be a whole number >= 0, got {fever_window_days!r}"
        )
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
    for item in treatments:
        if not isinstance(item, Treatment):
            raise TypeError(f"treatments holds Treatment objects, got {item!r}")
    known: dict[str, Baseline] = {}
    for item in baselines:
        if not isinstance(item, Baseline):
            raise TypeError(f"baselines holds Baseline objects, got {item!r}")
        known[item.code] = item
    # sorted() stays stable with reverse=True: same-day reports keep the caller's order.
    ordered = tuple(sorted(history, key=lambda past: past.submitted_on, reverse=True))
    report = _Report(
        current,
        worry,
        distress,
        ordered,
        today,
        labels or {},
        tuple(treatments),
        MappingProxyType(known),
        other_text or "",
        bool(self_harm),
        fever_window_days,
    )

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
