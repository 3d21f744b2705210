"""manage.py triage_cases: the shipped case library, output shapes, exit codes, bad input."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

LIBRARY = Path(__file__).resolve().parents[2] / "docs" / "triage-cases" / "library.json"

GOOD_CASE = {
    "id": "fever-after-chemo",
    "patient": {
        "cancer_type": "breast",
        "treatments": [{"modality": "chemotherapy", "start": "2026-01-10", "end": "2026-06-05"}],
    },
    "report": {"signs": [{"sign": "fever_chills_headache", "severity": "mild", "days": 1}]},
    "expect": "urgent",
}


def _write(tmp_path, data, name="cases.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("triage_cases", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_it_passes_the_shipped_library_and_writes_nothing(django_assert_num_queries):
    library = json.loads(LIBRARY.read_text(encoding="utf-8"))
    ids = [case["id"] for case in library["cases"]]
    assert len(ids) >= 40
    assert all(case.get("source") for case in library["cases"])
    assert all(case.get("expect") for case in library["cases"])
    with django_assert_num_queries(0):
        out, err = _run(str(LIBRARY))
    assert f"All {len(ids)} cases match." in out
    assert err == ""
    for case_id in ids:
        assert f"ok   {case_id}: " in out


def test_the_library_covers_every_scenario_in_the_issue():
    ids = {case["id"] for case in json.loads(LIBRARY.read_text(encoding="utf-8"))["cases"]}
    assert {
        "fever-10-days-after-chemo",
        "prostate-leg-weakness-mild",
        "lung-coughing-up-blood",
        "lung-new-headaches-balance",
        "breast-lump-and-weight-loss",
        "free-text-crushing-chest-pain",
        "stable-severe-pain-with-baseline",
        "known-lymphoedema-unchanged",
        "pelvic-radiation-mild-bleeding-baseline",
        "worry-4",
        "worry-5",
        "self-harm-yes",
        "distress-4",
        "distress-8",
        "distress-9",
        "fever-long-after-chemo",
        "red-flag-with-baseline-on-other-sign",
        "free-text-no-red-flag",
        "nothing-new",
    } <= ids


def test_it_exits_1_listing_the_unmet_case(tmp_path):
    wrong = dict(GOOD_CASE, id="says-routine", expect="routine")
    path = _write(tmp_path, {"today": "2026-06-15", "cases": [GOOD_CASE, wrong]})
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("triage_cases", path, stdout=out, stderr=err)
    assert exc.value.code == 1
    assert "FAIL says-routine: urgent (expected routine)" in out.getvalue()
    assert "1 of 2 cases did not match" in err.getvalue()
    assert "says-routine: expected routine, got urgent" in err.getvalue()
    assert "fever-after-chemo: expected" not in err.getvalue()


@pytest.mark.parametrize("expect", ["not_routine", "urgent"])
def test_it_accepts_the_looser_expectations(tmp_path, expect):
    path = _write(tmp_path, {"today": "2026-06-15", "cases": [dict(GOOD_CASE, expect=expect)]})
    out, _ = _run(path)
    assert "All 1 cases match." in out


def test_it_prints_json_results(tmp_path):
    path = _write(tmp_path, {"today": "2026-06-15", "cases": [GOOD_CASE]})
    out, _ = _run(path, "--json")
    rows = json.loads(out)
    assert rows == [
        {
            "id": "fever-after-chemo",
            "level": "urgent",
            "rules": ["fever_after_chemo"],
            "reason": rows[0]["reason"],
        }
    ]
    assert "chemotherapy" in rows[0]["reason"]


def test_it_prints_the_sign_catalogue_as_json():
    rows = json.loads(_run("--signs", "--json")[0])
    assert all(set(row) == {"code", "label", "cancer_type", "level"} for row in rows)
    by_code = {row["code"]: row for row in rows}
    assert by_code["pain"]["cancer_type"] is None
    assert by_code["pain"]["level"] is None
    assert by_code["prostate:leg_weakness"]["cancer_type"] == "prostate"
    assert by_code["prostate:leg_weakness"]["level"] == "urgent"
    assert {row["level"] for row in rows} <= {"urgent", "review", None}


def _case_with(**changes):
    case = json.loads(json.dumps(GOOD_CASE))
    for dotted, value in changes.items():
        target = case
        *path, last = dotted.split("__")
        for key in path:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value
    return {"today": "2026-06-15", "cases": [case]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            _case_with(report__signs__0__sign="pian"),
            "case 'fever-after-chemo', report.signs[0].sign: unknown sign code 'pian'",
        ),
        (
            _case_with(patient__cancer_type="brest"),
            "case 'fever-after-chemo', patient.cancer_type: unknown cancer type 'brest'",
        ),
        (
            _case_with(patient__treatments__0__modality="chemo"),
            "case 'fever-after-chemo', patient.treatments[0].modality: unknown modality 'chemo'",
        ),
        (
            _case_with(patient__treatments__0__end="2026-13-05"),
            "case 'fever-after-chemo', patient.treatments[0].end: '2026-13-05' is not a date",
        ),
        ('{"cases": [', "not valid JSON (line 1, column"),
        ("[1, 2]", 'the file must hold an object: {"today": ..., "cases": [...]}'),
        ({"cases": ["x"]}, "case #1: expected an object, got str"),
    ],
    ids=["sign", "cancer-type", "modality", "date", "malformed", "not-object", "case-not-object"],
)
def test_it_reports_bad_input_in_one_line(tmp_path, data, message):
    path = _write(tmp_path, data)
    with pytest.raises(CommandError) as exc:
        _run(path)
    text = str(exc.value)
    assert message in text
    assert text.startswith(path)
    assert "\n" not in text
    assert "Traceback" not in text


def test_it_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        _run(str(tmp_path / "nope.json"))
