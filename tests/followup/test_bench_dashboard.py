"""`make bench`'s command at a tiny size: it builds its dataset, reuses it, prints the table.

Nothing here is timed: the figures of a test database mean nothing. The run is
transactional because the export is measured in a child process, which must see the rows.
"""

import json
import re
from io import StringIO

import pytest
from django.conf import settings
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
    assert re.search(
        r"^page +\| p50 ms \| p95 ms \| queries \| x trivial \| target met", text, re.M
    )
    for page in (
        "trivial page behind login",
        "/dashboard/",
        "overdue list, page 1",
        "overdue list, page 3",
        "nurse caseload /nurse/",
        "patient page",
        "triage queue /nurse/reports/",
        "portal home /portal/",
        "/dashboard/quality/",
        "page 3 / page 1",
        f"CSV export, {overdue:,} rows",
    ):
        assert re.search(rf"^{re.escape(page)}.*\| .*: (met|not met)", text, re.M), page
    report = json.loads((settings.VAR_DIR / "bench" / "latest.json").read_text())
    assert set(report) >= {"machine", "load_average", "pages", "export", "planning"}
    assert set(report["pages"]["page1"]) == {
        "p50_ms", "p95_ms", "queries", "ratio_to_trivial", "p95_10k_ms", "growth_10k_to_100k",
    }  # fmt: skip
    assert report["export"]["db_seconds"] > 0 and report["planning"]["visits_per_s"] is None
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
