"""CSV import of patients (and one diagnosis each) for onboarding a clinic.

All or nothing: every row is checked first, every problem is reported with its line
number, and only a file without problems is written, in one transaction. Re-importing a
file changes only what differs, so running it twice does not duplicate anyone.

The rules for single records are the models' own (``full_clean``), so the importer, the
admin and the nurse forms agree on what a valid date of birth or phone number is. The
columns are documented in docs/csv-import.md.
"""

from patients.importing.report import (
    CHANGE_REASON,
    COLUMNS,
    DIAGNOSIS_COLUMNS,
    MAX_IMPORT_BYTES,
    PATIENT_COLUMNS,
    PREVIEW_ROWS,
    REQUIRED_COLUMNS,
    ImportReport,
    LineError,
    max_import_bytes,
    megabytes,
    size_problem,
)
from patients.importing.rows import import_patients

__all__ = [
    "max_import_bytes",
    "megabytes",
    "size_problem",
    "LineError",
    "ImportReport",
    "MAX_IMPORT_BYTES",
    "PREVIEW_ROWS",
    "CHANGE_REASON",
    "PATIENT_COLUMNS",
    "DIAGNOSIS_COLUMNS",
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "import_patients",
]
