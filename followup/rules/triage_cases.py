"""Triage case files: read a clinician's cases, triage each, compare with what they expect.

Pure: no database. ``manage.py triage_cases`` is the command line around it. The file
format is in ``docs/triage-cases/README.md``. Every problem with the input is a
``CaseError`` whose message names the case and the field, in one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from followup.rules import signs, triage

EXPECTATIONS = ("urgent", "review", "routine", "not_routine", "not_urgent")
# patients.choices holds the same codes; the rules layer may not import the models app.
CANCER_TYPES = frozenset(
    {
        "breast", "colorectal", "lung", "prostate", "melanoma", "head_neck", "cervical",
        "endometrial", "ovarian", "bladder", "kidney", "thyroid", "hodgkin_lymphoma",
        "non_hodgkin_lymphoma", "leukemia", "other",
    }
)  # fmt: skip
MODALITIES = frozenset(
    {
        "surgery", "chemotherapy", "radiation", "hormone", "immunotherapy", "targeted",
        "stem_cell", "other",
    }
)  # fmt: skip


class CaseError(ValueError):
    """A problem with the case file, in one line naming the case and field."""


@dataclass(frozen=True)
class CaseResult:
    id: str
    level: str
    rules: tuple[str, ...]
    reason: str
    expect: str | None
    source: str

    @property
    def met(self) -> bool:
        if self.expect is None:
            return True
        if self.expect == "not_routine":
            return self.level != triage.ROUTINE
        if self.expect == "not_urgent":
            return self.level != triage.URGENT
        return self.level == self.expect

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "level": self.level,
            "rules": list(self.rules),
            "reason": self.reason,
        }


def _where(case_id: str, field: str) -> str:
    return f"case {case_id!r}, {field}"


def _date(value, case_id: str, field: str, *, optional: bool = False) -> date | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise CaseError(
            f"{_where(case_id, field)}: expected an ISO date (YYYY-MM-DD), got {value!r}"
        )
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CaseError(f"{_where(case_id, field)}: {value!r} is not a date (YYYY-MM-DD)") from None


def _obj(value, case_id: str, field: str) -> dict:
    if not isinstance(value, dict):
        raise CaseError(f"{_where(case_id, field)}: expected an object, got {type(value).__name__}")
    return value


def _list(value, case_id: str, field: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise CaseError(f"{_where(case_id, field)}: expected a list, got {type(value).__name__}")
    return value


def _rating(value, case_id: str, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise CaseError(
            f"{_where(case_id, field)}: expected a whole number 0-10 or null, got {value!r}"
        )
    return value


def _sign(value, case_id: str, field: str) -> triage.Sign:
    item = _obj(value, case_id, field)
    code = item.get("sign")
    if not isinstance(code, str) or signs.find(code) is None:
        raise CaseError(f"{_where(case_id, field + '.sign')}: unknown sign code {code!r}")
    try:
        return triage.Sign(
            code, item.get("severity", "mild"), item.get("days"), item.get("trend", "new")
        )
    except ValueError as exc:
        raise CaseError(f"{_where(case_id, field)}: {exc}") from None


def _case(raw, index: int, today: date) -> tuple[str, str | None, str, dict]:
    if not isinstance(raw, dict):
        raise CaseError(f"case #{index + 1}: expected an object, got {type(raw).__name__}")
    case_id = raw.get("id")
    if not isinstance(case_id, str) or not case_id.strip():
        raise CaseError(f"case #{index + 1}, id: expected a non-empty string, got {case_id!r}")
    expect = raw.get("expect")
    if expect is not None and expect not in EXPECTATIONS:
        raise CaseError(
            f"{_where(case_id, 'expect')}: {expect!r} is not one of {', '.join(EXPECTATIONS)}"
        )
    patient = _obj(raw.get("patient", {}), case_id, "patient")
    cancer_type = patient.get("cancer_type")
    if cancer_type is not None and cancer_type not in CANCER_TYPES:
        raise CaseError(
            f"{_where(case_id, 'patient.cancer_type')}: unknown cancer type {cancer_type!r}"
        )
    treatments = []
    for n, item in enumerate(_list(patient.get("treatments"), case_id, "patient.treatments")):
        field = f"patient.treatments[{n}]"
        item = _obj(item, case_id, field)
        modality = item.get("modality")
        if modality not in MODALITIES:
            raise CaseError(
                f"{_where(case_id, field + '.modality')}: unknown modality {modality!r}"
            )
        start = _date(item.get("start"), case_id, field + ".start", optional=True)
        end = _date(item.get("end"), case_id, field + ".end", optional=True)
        if start and end and end < start:
            raise CaseError(f"{_where(case_id, field + '.end')}: ends before it starts")
        treatments.append(triage.Treatment(modality, start, end))
    baselines = []
    for n, item in enumerate(_list(patient.get("known_signs"), case_id, "patient.known_signs")):
        field = f"patient.known_signs[{n}]"
        item = _obj(item, case_id, field)
        code = item.get("sign")
        if not isinstance(code, str) or signs.find(code) is None:
            raise CaseError(f"{_where(case_id, field + '.sign')}: unknown sign code {code!r}")
        try:
            baselines.append(triage.Baseline(code, item.get("severity", "mild")))
        except ValueError as exc:
            raise CaseError(f"{_where(case_id, field)}: {exc}") from None
    history = []
    for n, item in enumerate(_list(raw.get("history"), case_id, "history")):
        field = f"history[{n}]"
        item = _obj(item, case_id, field)
        on = _date(item.get("date"), case_id, field + ".date")
        if on > today:
            raise CaseError(f"{_where(case_id, field + '.date')}: {on} is after today ({today})")
        past_signs = tuple(
            _sign(s, case_id, f"{field}.signs[{k}]")
            for k, s in enumerate(_list(item.get("signs"), case_id, field + ".signs"))
        )
        history.append(
            triage.PastReport(
                on,
                past_signs,
                _rating(item.get("worry"), case_id, field + ".worry"),
                _rating(item.get("distress"), case_id, field + ".distress"),
            )
        )
    report = _obj(raw.get("report"), case_id, "report")
    current = [
        _sign(s, case_id, f"report.signs[{k}]")
        for k, s in enumerate(_list(report.get("signs"), case_id, "report.signs"))
    ]
    if report.get("nothing_new") and current:
        raise CaseError(f"{_where(case_id, 'report.nothing_new')}: true, but signs are ticked")
    other_text = report.get("other_text") or ""
    if not isinstance(other_text, str):
        raise CaseError(f"{_where(case_id, 'report.other_text')}: expected text")
    kwargs = {
        "signs": current,
        "worry": _rating(report.get("worry"), case_id, "report.worry"),
        "distress": _rating(report.get("distress"), case_id, "report.distress"),
        "history": history,
        "today": today,
        "treatments": treatments,
        "baselines": baselines,
        "other_text": other_text,
        "self_harm": bool(report.get("self_harm", False)),
    }
    source = raw.get("source") or ""
    return case_id, expect, source if isinstance(source, str) else "", kwargs


def run_cases(data, *, today: date | None = None) -> list[CaseResult]:
    """Triage every case in a parsed case file. Raises CaseError on bad input."""
    if not isinstance(data, dict):
        raise CaseError('the file must hold an object: {"today": ..., "cases": [...]}')
    day = today or date.today()  # noqa: DTZ011 - a clinician's "today" is their own date
    if data.get("today") is not None:
        day = _date(data["today"], "(file)", "today")
    cases = data.get("cases")
    if not isinstance(cases, list) or not cases:
        raise CaseError('the file has no "cases" list')
    results, seen = [], set()
    for index, raw in enumerate(cases):
        case_id, expect, source, kwargs = _case(raw, index, day)
        if case_id in seen:
            raise CaseError(f"{_where(case_id, 'id')}: used twice")
        seen.add(case_id)
        decision = triage.triage(**kwargs)
        results.append(
            CaseResult(
                case_id,
                decision.level,
                tuple(fired.rule for fired in decision.fired),
                decision.reason,
                expect,
                source,
            )
        )
    return results


def catalogue_rows() -> list[dict]:
    """The sign catalogue as ``triage_cases --signs --json`` prints it."""
    return [
        {"code": s.code, "label": s.label, "cancer_type": s.cancer_type, "level": s.level}
        for s in signs.CATALOGUE
    ]
