"""What the bottom layer needs to know of patient records, told to it by the patients app.

``survivorship`` imports no app. Yet roles ("is this user a patient?") and the access
log's pages ("which record is patient 42?") need to ask about patients. The patients app
registers a directory in its ``AppConfig.ready``; until it does, nobody is a patient.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PatientDirectory:
    # The patient record id of a user (None when the user has no record).
    patient_id_of: Callable[[object], int | None]
    # Record numbers of the given patient ids, for the access log's pages.
    record_numbers: Callable[[Iterable[int]], dict[int, str]]
    # The patient id of a record number (None when there is no such record).
    patient_id_by_record_number: Callable[[str], int | None]
    # A subquery giving the patient record id of the user row it is annotated on
    # (``OuterRef("pk")``), so that the user and their roles load in one query.
    patient_id_expression: Callable[[], object] | None = None
    # How many active patients have one of these users as primary nurse (deactivation).
    primary_patients_of: Callable[[Iterable[int]], int] = lambda user_ids: 0
    # The language code a patient user reads (their record's preferred language).
    preferred_language_of: Callable[[object], str | None] = lambda user: None
    # The same as a subquery on the user row (``OuterRef("pk")``), loaded with the user.
    preferred_language_expression: Callable[[], object] | None = None


_NOBODY = PatientDirectory(
    patient_id_of=lambda user: None,
    record_numbers=lambda ids: {},
    patient_id_by_record_number=lambda number: None,
)
_directory: PatientDirectory = _NOBODY


def register(directory: PatientDirectory) -> None:
    global _directory
    _directory = directory


def patients() -> PatientDirectory:
    return _directory
