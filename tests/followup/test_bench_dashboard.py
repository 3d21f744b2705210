"""`make bench`'s command at a tiny size: it builds its dataset, reuses it, prints the table.

Nothing here is timed: the figures of a test database mean nothing. The run is
transactional because the export is measured in a child process, which must see the rows.
"""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from followup.models import FollowUpVisit
from patients.models import Patient
from tests.support.factories import make_patient

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TINY = ["--patients", "300", "--nurses", "10", "--requests", "2", "--warmups", "1"]
TINY += ["--page", "3", "--export-runs", "1"]


def bench(*args) -> str:
    out = StringIO()
    call_command("bench_dashboard", *TINY, *args, stdout=out)
    return out.getvalue()


def test_it_builds_the_dataset_measures_the_pages_and_prints_the_table():
    text = bench("--rebuild")

    assert "Building the bench dataset (300 patients)" in text
    assert Patient.objects.count() == 300
    overdue = FollowUpVisit.objects.filter(plan__status="active").overdue().count()
    assert overdue >= 300, "at least one overdue item per patient, so the export has rows"
    assert re.search(r"^Machine: .+CPUs, .+GB RAM", text, re.M)
    assert re.search(r"^Database: PostgreSQL \d+", text, re.M)
    assert re.search(r"^page +\| p50 ms \| p95 ms \| queries \| target met", text, re.M)
    for page in (
        "/dashboard/",
        "overdue list, page 1",
        "overdue list, page 3",
        "nurse caseload /nurse/",
        "page 3 / page 1",
        f"CSV export, {overdue:,} rows",
    ):
        assert re.search(rf"^{re.escape(page)}.*\| (yes|NO) ", text, re.M), page
    assert re.search(r"^overdue list, page 1 +\| +[\d.]+ \| +[\d.]+ \| +\d+ \|", text, re.M)
    assert "Export memory: peak resident size" in text
    for title in ("summary aggregate", "page 1", "page 3 (keyset cursor)", "Nurse caseload"):
        assert re.search(rf"=== EXPLAIN \(ANALYZE, BUFFERS\): .*{re.escape(title)}", text), title
    assert "Execution Time" in text

    again = bench("--no-explain")
    assert "Reusing the bench dataset" in again and "Building" not in again
    assert "EXPLAIN" not in again


def test_it_refuses_a_database_that_holds_real_patients(nurse):
    make_patient(nurse, "MRN-REAL", "Real", "Person")
    with pytest.raises(CommandError, match="not the benchmark's"):
        bench()
    assert Patient.objects.count() == 1
