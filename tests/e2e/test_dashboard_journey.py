"""The dashboard's journey: an administrator opens the overdue totals, drills down to the
items more than 90 days overdue, and exports them as CSV."""

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from followup.models import CarePlanTemplate, FollowUpVisit
from followup.services import plans as services
from followup.views.dashboard import EXPORT_HEADER
from patients.models import CancerDiagnosis
from tests.e2e.conftest import login
from tests.support.factories import make_patient

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic(nurse, nurse2, administrator):
    """Three patients with overdue items: 1-30, 31-90 and over 90 days (three of those)."""
    today = timezone.localdate()
    ann = make_patient(nurse, "MRN-A", "Ann", "Able")
    ben = make_patient(nurse2, "MRN-B", "Ben", "Baker")
    # A name a spreadsheet would run as a formula, had the export not neutralised it.
    eve = make_patient(nurse2, "MRN-E", "=HYPERLINK(1)", "Formula", email="eve@example.org")
    for patient, cancer_type, overdue in (
        (ann, "breast", [(10, "Clinic visit", "visit"), (120, "Mammogram", "imaging")]),
        (ben, "lung", [(45, "CEA", "lab"), (95, "Chest CT", "imaging")]),
        (eve, "colorectal", [(200, "Colonoscopy", "procedure")]),
    ):
        diagnosis = CancerDiagnosis.objects.create(
            patient=patient, cancer_type=cancer_type, diagnosed_on=today - timedelta(days=30)
        )
        plan = services.careplan_create(
            diagnosis=diagnosis,
            template=CarePlanTemplate.objects.get(code="general"),
            start_date=today + timedelta(days=1),  # nothing it generates is overdue
        )
        for days, label, kind in overdue:
            end = today - timedelta(days=days)
            FollowUpVisit.objects.create(
                plan=plan, patient=patient, kind=kind, label=label,
                due_date=end - timedelta(days=14), window_start=end - timedelta(days=28),
                window_end=end,
            )  # fmt: skip
    return {"ann": ann, "ben": ben, "eve": eve}


def test_it_lets_an_administrator_drill_down_and_export_the_overdue_list(
    live_server, page, screenshot, administrator, clinic
):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    login(page, live_server, administrator.username)
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.get_by_test_id("total").inner_text() == "5"
    over_90 = page.get_by_test_id("over-90")
    assert "3" in over_90.inner_text() and "over 90 days overdue" in over_90.inner_text()
    screenshot("dashboard-1-totals")

    over_90.click()
    page.wait_for_url(f"{live_server.url}/dashboard/overdue/?bucket=90%2B")
    rows = page.locator("table tbody tr")
    assert rows.count() == 3
    listed = rows.all_inner_texts()
    for name, item in (("Able", "Mammogram"), ("Baker", "Chest CT"), ("Formula", "Colonoscopy")):
        assert any(name in row and item in row for row in listed), (name, listed)
    assert "Clinic visit" not in " ".join(listed), "an item 10 days overdue is not over 90"
    screenshot("dashboard-2-over-90-days")

    with page.expect_download() as download_info:
        page.get_by_test_id("export").click()
    download = download_info.value
    assert download.suggested_filename == f"overdue-{timezone.localdate():%Y-%m-%d}.csv"
    with Path(download.path()).open(encoding="utf-8", newline="") as exported:
        table = list(csv.reader(exported))
    assert table[0] == EXPORT_HEADER
    body = table[1:]
    assert sorted(row[0] for row in body) == ["MRN-A", "MRN-B", "MRN-E"], "one row per item"
    assert {row[2] for row in body} == {"Mammogram", "Chest CT", "Colonoscopy"}
    # The drill-down's filter carried over (only those over 90 days), most overdue first.
    assert [int(row[EXPORT_HEADER.index("days_overdue")]) for row in body] == [200, 120, 95]
    formula_row = next(row for row in body if row[0] == "MRN-E")
    assert formula_row[1] == "'=HYPERLINK(1) Formula"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in body for cell in row)
    assert errors == []
