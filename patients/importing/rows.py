"""Checking every row, then writing them all in one transaction."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from patients.choices import LANGUAGES, CancerType, Laterality, ReminderChannel, Sex
from patients.importing.reading import (
    _decode,
    _read_rows,
    _Row,
)
from patients.importing.report import (
    _CHUNK,
    _DIAGNOSIS_DETAIL_FIELDS,
    _ISO_DATE,
    _PATIENT_FIELDS,
    _PHONE_PUNCTUATION,
    CHANGE_REASON,
    DIAGNOSIS_COLUMNS,
    PATIENT_COLUMNS,
    PREVIEW_ROWS,
    ImportReport,
)
from patients.models import CancerDiagnosis, Patient
from survivorship.roles import Role, users_with_role


def import_patients(data: bytes, *, dry_run: bool = False, by: User | None = None) -> ImportReport:
    """Check ``data`` (the bytes of a CSV file) and, if every row is valid, import it.

    With ``dry_run`` nothing is written, but the report says what would be created,
    updated or left unchanged. ``by`` is recorded as the author of the history rows.
    """
    report = ImportReport(dry_run=dry_run)
    text = _decode(data, report)
    if text is None:
        return report
    rows = _read_rows(text, report)
    if rows is None:
        return report
    report.rows = len(rows)
    if not rows:
        report.error(None, "the file has a header but no rows to import")
        return report
    plan = _check(rows, report)
    report.errors.sort(key=lambda error: error.line or 0)
    if report.errors or dry_run:
        return report
    try:
        with transaction.atomic():
            _write(plan, by=by)
    except IntegrityError:
        # Someone added one of these record numbers between the check and the write.
        report.error(
            None,
            "another change to the same records was saved while importing; nothing was "
            "imported, please try again",
        )
        return report
    report.written = True
    return report


# --- Checking the rows -----------------------------------------------------------------


@dataclass
class _Planned:
    patient: Patient
    is_new: bool
    changed_fields: set[str]
    add_to_team: User | None
    diagnosis: CancerDiagnosis | None
    diagnosis_is_new: bool
    diagnosis_changed_fields: set[str]


@dataclass
class _Plan:
    rows: list[_Planned] = field(default_factory=list)
    care_teams: dict[int, set[tuple[int, int]]] = field(default_factory=dict)


def _normalise(text: str) -> str:
    return re.sub(r"[\s\-_]+", " ", text.lower().replace("&", " and ")).strip()


def _lookup(choices: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Accept a choice by its value or its label, ignoring case, spaces, dashes and '&'."""
    table = {}
    for value, label in choices:
        table[_normalise(str(label))] = value
        table[_normalise(value)] = value
    return table


_CANCER_TYPES = _lookup(CancerType.choices)
_SEXES = _lookup(Sex.choices)
_CHANNELS = _lookup(ReminderChannel.choices)
_LANGUAGES = _lookup(LANGUAGES)
_LATERALITIES = _lookup(Laterality.choices)


class _Problems(list):
    """A row's messages, remembering which columns could not be read at all."""

    def __init__(self):
        super().__init__()
        self.columns: set[str] = set()

    def add(self, column: str, message: str) -> None:
        self.columns.add(column)
        self.append(message)


def _choice(column: str, raw: str, table: dict[str, str], values, errors: _Problems):
    found = table.get(_normalise(raw))
    if found is None:
        errors.add(column, f"{column} '{raw}' is not one of: {', '.join(v for v in values if v)}")
    return found


def _date(column: str, raw: str, errors: _Problems) -> date | None:
    if not raw:
        return None
    try:
        if not _ISO_DATE.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        errors.add(column, f"{column} '{raw}' is not a date (use YYYY-MM-DD)")
        return None


class _Existing:
    """What is already in the database, fetched in a few queries for the whole file."""

    def __init__(self, rows: list[_Row]):
        mrns = [row.cells["medical_record_number"] for row in rows]
        self.patients: dict[str, Patient] = {}
        for chunk in _chunks(mrns):
            for patient in Patient.objects.filter(medical_record_number__in=chunk):
                self.patients[patient.medical_record_number] = patient
        patient_ids = [patient.pk for patient in self.patients.values()]
        self.diagnoses: dict[tuple, CancerDiagnosis] = {}
        self.care_teams: dict[int, set[tuple[int, int]]] = {pk: set() for pk in patient_ids}
        through = Patient.care_team.through
        for chunk in _chunks(patient_ids):
            for diagnosis in CancerDiagnosis.objects.filter(patient_id__in=chunk).order_by("pk"):
                key = (diagnosis.patient_id, diagnosis.cancer_type, diagnosis.diagnosed_on)
                self.diagnoses.setdefault(key, diagnosis)
            for row_id, patient_id, user_id in through.objects.filter(
                patient_id__in=chunk
            ).values_list("id", "patient_id", "user_id"):
                self.care_teams[patient_id].add((row_id, user_id))
        self.nurses: dict[str, User] = {
            user.username: user for user in users_with_role(Role.NURSE).distinct()
        }


def _chunks(items: list) -> Iterator[list]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _check(rows: list[_Row], report: ImportReport) -> _Plan:
    existing = _Existing(rows)
    plan = _Plan(care_teams=existing.care_teams)
    first_seen: dict[str, int] = {}
    for row in rows:
        errors = _Problems()
        values: dict = {"line": row.line}
        planned = _check_row(row, existing, first_seen, values, errors)
        if len(report.preview) < PREVIEW_ROWS:
            report.preview.append(values)
        for message in errors:
            report.error(row.line, message)
        if errors or planned is None:
            continue
        plan.rows.append(planned)
        if planned.is_new:
            report.created += 1
        elif (
            planned.changed_fields
            or planned.add_to_team
            or planned.diagnosis_is_new
            or planned.diagnosis_changed_fields
        ):
            report.updated += 1
        else:
            report.unchanged += 1
        report.diagnoses_created += planned.diagnosis_is_new
    return plan


def _check_row(
    row: _Row, existing: _Existing, first_seen: dict[str, int], values: dict, errors: _Problems
) -> _Planned | None:
    cells = row.cells
    present = set(cells)
    mrn = cells["medical_record_number"]
    repeated = mrn in first_seen
    if repeated:
        errors.add(
            "medical_record_number",
            f"record number {mrn} appears again (first on line {first_seen[mrn]})",
        )
    elif mrn:
        first_seen[mrn] = row.line

    # Turn the text of each cell into a value. A column absent from the file leaves an
    # existing patient's value alone; a blank cell means "not recorded" (the default).
    wanted: dict = {}
    for column in ("medical_record_number", "given_name", "family_name", "email", "time_zone"):
        if column in present:
            wanted[column] = cells[column]
    if "time_zone" in present and not cells["time_zone"]:
        wanted["time_zone"] = "UTC"
    if "mobile_phone" in present:
        wanted["mobile_phone"] = _PHONE_PUNCTUATION.sub("", cells["mobile_phone"])
    if "date_of_birth" in present:
        wanted["date_of_birth"] = _date("date_of_birth", cells["date_of_birth"], errors)
    if "sex" in present:
        raw = cells["sex"]
        wanted["sex"] = (
            _choice("sex", raw, _SEXES, Sex.values, errors) if raw else Sex.UNKNOWN
        ) or Sex.UNKNOWN
    if "preferred_language" in present:
        raw = cells["preferred_language"]
        codes = [code for code, _ in LANGUAGES]
        wanted["preferred_language"] = (
            _choice("preferred_language", raw, _LANGUAGES, codes, errors) if raw else "en"
        ) or "en"
    nurse = None
    if "primary_nurse" in present:
        raw = cells["primary_nurse"]
        if raw:
            nurse = existing.nurses.get(raw)
            if nurse is None:
                errors.add("primary_nurse", f"primary_nurse '{raw}' is not the username of a nurse")
        wanted["primary_nurse_id"] = nurse.pk if nurse else None

    # A repeated record number is checked on a blank record, leaving the first row's alone.
    patient = existing.patients.get(mrn) if mrn and not repeated else None
    is_new = patient is None
    if is_new:
        patient = Patient()
    before = {name: getattr(patient, name) for name in _PATIENT_FIELDS}
    for name, value in wanted.items():
        setattr(patient, name, value)

    # The channel depends on the contact details the patient ends up with.
    raw = cells.get("preferred_channel", "")
    if raw:
        channel = _choice("preferred_channel", raw, _CHANNELS, ReminderChannel.values, errors)
    elif is_new or "preferred_channel" in present:
        channel = (
            ReminderChannel.EMAIL
            if patient.email
            else ReminderChannel.SMS
            if patient.mobile_phone
            else ReminderChannel.PORTAL
        )
    else:
        channel = None
    if channel:
        patient.preferred_channel = channel

    _full_clean(patient, cells, errors, exclude=["primary_nurse", "user", *errors.columns])

    for column in PATIENT_COLUMNS:
        if column in present:
            values[column] = (
                cells[column] if column == "primary_nurse" else _shown(getattr(patient, column))
            )

    diagnosis, diagnosis_is_new, diagnosis_changed = _check_diagnosis(
        cells, patient, is_new, existing, values, errors
    )

    changed = {name for name in _PATIENT_FIELDS if getattr(patient, name) != before[name]}
    team = existing.care_teams.get(patient.pk, set())
    add_to_team = None
    if nurse is not None and nurse.pk not in {user_id for _, user_id in team}:
        add_to_team = nurse
    if errors:
        return None
    return _Planned(
        patient=patient,
        is_new=is_new,
        changed_fields=set() if is_new else changed,
        add_to_team=add_to_team,
        diagnosis=diagnosis,
        diagnosis_is_new=diagnosis_is_new,
        diagnosis_changed_fields=diagnosis_changed,
    )


def _check_diagnosis(cells, patient, patient_is_new, existing, values, errors):
    present = [column for column in DIAGNOSIS_COLUMNS if column in cells]
    for column in present:
        values[column] = cells[column]
    raw_type = cells.get("cancer_type", "")
    if not raw_type:
        given = [column for column in present if cells[column]]
        if given:
            errors.add("cancer_type", f"cancer_type is required when {', '.join(given)} is given")
        return None, False, set()

    problems = _Problems()
    cancer_type = _CANCER_TYPES.get(_normalise(raw_type))
    if cancer_type is None:
        problems.add(
            "cancer_type",
            f"unknown cancer type '{raw_type}' (use one of: {', '.join(CancerType.values)})",
        )
    diagnosed_on = _date("diagnosed_on", cells.get("diagnosed_on", ""), problems)
    if not cells.get("diagnosed_on"):
        problems.add("diagnosed_on", "diagnosed_on is required when cancer_type is given")
    laterality = Laterality.NOT_APPLICABLE
    if cells.get("laterality"):
        laterality = _choice(
            "laterality", cells["laterality"], _LATERALITIES, Laterality.values, problems
        )
    errors.extend(problems)
    errors.columns |= problems.columns
    if problems:
        return None, False, set()
    values["cancer_type"] = cancer_type
    values["laterality"] = laterality

    key = (patient.pk, cancer_type, diagnosed_on)
    diagnosis = None if patient_is_new else existing.diagnoses.get(key)
    is_new = diagnosis is None
    if is_new:
        diagnosis = CancerDiagnosis(cancer_type=cancer_type, diagnosed_on=diagnosed_on)
    # Assigning the patient object (saved or not) lets clean() compare with the birth date
    # without a query.
    diagnosis.patient = patient
    before = {name: getattr(diagnosis, name) for name in _DIAGNOSIS_DETAIL_FIELDS}
    for name in _DIAGNOSIS_DETAIL_FIELDS:
        if name in cells:
            setattr(diagnosis, name, laterality if name == "laterality" else cells[name])
    _full_clean(diagnosis, cells, errors, exclude=["patient"])
    changed = {
        name for name in _DIAGNOSIS_DETAIL_FIELDS if getattr(diagnosis, name) != before[name]
    }
    return diagnosis, is_new, set() if is_new else changed


def _full_clean(instance, cells: dict, errors: _Problems, exclude: list[str]) -> set[str]:
    """Run the model's validation; add its messages to ``errors``; return failed fields.

    Uniqueness is not checked here (a query per row): record numbers are matched against
    the database in bulk, and a foreign key is only set to a user fetched just before.
    """
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, field_errors in error.error_dict.items():
            for field_error in field_errors:
                errors.append(_describe(name, field_error, cells))
        return set(error.error_dict)
    return set()


def _describe(name: str, error: ValidationError, cells: dict) -> str:
    message = " ".join(error.messages)
    if name == NON_FIELD_ERRORS:
        return message
    if error.code in ("blank", "null", "required"):
        return f"{name} is required"
    raw = cells.get(name, "")
    return f"{name} '{raw}': {message}" if raw else f"{name}: {message}"


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- Writing ---------------------------------------------------------------------------


def _write(plan: _Plan, *, by: User | None) -> None:
    """Write the checked rows in bulk, with a history row for each record changed.

    bulk_*_with_history writes the history rows simple-history would write on save(),
    except the care-team snapshot (an m2m field), which is added here.
    """
    now = timezone.now()
    history = {"default_user": by, "default_change_reason": CHANGE_REASON, "default_date": now}

    new = [item.patient for item in plan.rows if item.is_new]
    if new:
        bulk_create_with_history(new, Patient, **history)
    changed = [
        item.patient
        for item in plan.rows
        if not item.is_new and (item.changed_fields or item.add_to_team)
    ]
    if changed:
        fields = {"updated_at"}
        for item in plan.rows:
            fields |= {name.removesuffix("_id") for name in item.changed_fields}
        for patient in changed:
            patient.updated_at = now
        bulk_update_with_history(changed, Patient, sorted(fields), **history)

    _write_care_teams(plan, now)

    new_diagnoses, changed_diagnoses, detail_fields = [], [], set()
    for item in plan.rows:
        if item.diagnosis is None:
            continue
        item.diagnosis.patient = item.patient  # now saved: sets patient_id
        if item.diagnosis_is_new:
            new_diagnoses.append(item.diagnosis)
        elif item.diagnosis_changed_fields:
            changed_diagnoses.append(item.diagnosis)
            detail_fields |= item.diagnosis_changed_fields
    if new_diagnoses:
        bulk_create_with_history(new_diagnoses, CancerDiagnosis, **history)
    if changed_diagnoses:
        bulk_update_with_history(
            changed_diagnoses, CancerDiagnosis, sorted(detail_fields), **history
        )


def _write_care_teams(plan: _Plan, now) -> None:
    through = Patient.care_team.through
    additions = [
        through(patient_id=item.patient.pk, user_id=item.add_to_team.pk)
        for item in plan.rows
        if item.add_to_team
    ]
    if additions:
        through.objects.bulk_create(additions)
    teams = plan.care_teams
    for row in additions:
        teams.setdefault(row.patient_id, set()).add((row.id, row.user_id))

    # Each history row written above snapshots the care team as it now is, as
    # simple-history does on save(); its bulk helpers leave this part out.
    touched = [
        item.patient.pk
        for item in plan.rows
        if item.is_new or item.changed_fields or item.add_to_team
    ]
    snapshot_model = Patient.history.model.care_team.model
    snapshots = []
    for chunk in _chunks(touched):
        for patient_id, history_id in Patient.history.filter(
            id__in=chunk, history_date=now
        ).values_list("id", "history_id"):
            snapshots.extend(
                snapshot_model(
                    history_id=history_id, id=row_id, patient_id=patient_id, user_id=user_id
                )
                for row_id, user_id in teams.get(patient_id, ())
            )
    if snapshots:
        snapshot_model.objects.bulk_create(snapshots)
