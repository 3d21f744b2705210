"""The import's columns, limits and report (what went wrong, on which line)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings

MAX_IMPORT_BYTES = 5 * 1024 * 1024
PREVIEW_ROWS = 10
CHANGE_REASON = "CSV import"

PATIENT_COLUMNS = (
    "medical_record_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "email",
    "mobile_phone",
    "preferred_channel",
    "time_zone",
    "preferred_language",
    "primary_nurse",
)
DIAGNOSIS_COLUMNS = ("cancer_type", "diagnosed_on", "stage_group", "histology", "laterality")
COLUMNS = PATIENT_COLUMNS + DIAGNOSIS_COLUMNS
REQUIRED_COLUMNS = ("medical_record_number", "given_name", "family_name")

# Fields compared and written for an existing patient, when their column is in the file.
_PATIENT_FIELDS = tuple(c for c in PATIENT_COLUMNS if c != "primary_nurse") + ("primary_nurse_id",)
_DIAGNOSIS_DETAIL_FIELDS = ("stage_group", "histology", "laterality")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
# Lookups are chunked: SQLite allows 999 query parameters in older builds.
_CHUNK = 500


def max_import_bytes() -> int:
    return getattr(settings, "PATIENT_IMPORT_MAX_BYTES", MAX_IMPORT_BYTES)


def megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.2f}".rstrip("0").rstrip(".") + " MB" if value >= 0.01 else "under 0.01 MB"


def size_problem(size: int) -> str | None:
    """The error for a file of ``size`` bytes, or None when it is within the limit."""
    limit = max_import_bytes()
    if size <= limit:
        return None
    return (
        f"the file is too large ({megabytes(size)}); the limit is {megabytes(limit)}. "
        "Split it into smaller files and import them one after the other."
    )


@dataclass(frozen=True)
class LineError:
    line: int | None  # 1-based, the header is line 1; None for the file as a whole
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class ImportReport:
    errors: list[LineError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # as in the file's header, in order
    preview: list[dict] = field(default_factory=list)  # first rows, parsed; key "line" too
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    diagnoses_created: int = 0
    dry_run: bool = False
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int | None, message: str) -> None:
        self.errors.append(LineError(line, message))
