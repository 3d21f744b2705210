"""Issue 4's journey: a nurse builds a care plan from a template and works its schedule."""

import re
from datetime import date

import pytest
from django.utils import timezone

from followup.models import CarePlan, CarePlanTemplate, VisitStatus
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def templates(db):
    """The seeded templates (restored by tests/conftest.py after any flush)."""
    return {template.code: template for template in CarePlanTemplate.objects.all()}


def test_it_lets_a_nurse_create_a_care_plan_and_work_its_schedule(
    live_server, page, screenshot, nurse, helen, templates
):
    today = timezone.localdate()
    login(page, live_server, nurse.username)
    page.wait_for_url(f"{live_server.url}/nurse/")
    page.goto(f"{live_server.url}/nurse/patients/{helen.pk}/")
    page.get_by_role("link", name="Create a care plan").click()
    page.wait_for_url(f"{live_server.url}/nurse/patients/{helen.pk}/plans/new/**")

    # Step 1: the start date defaults to the end of treatment (surgery on 2022-02-01).
    assert page.get_by_label("Start date").input_value() == "2022-02-01"
    page.get_by_label("Template").select_option(str(templates["breast"].pk))
    screenshot("careplan-1-start")
    page.get_by_role("button", name="Preview the schedule").click()

    # Step 2: the preview, with the items whose window has already passed.
    preview = page.get_by_role("heading", name="Schedule preview")
    preview.wait_for()
    assert "from 2022-02-01" in preview.inner_text()
    rows = page.locator("section[aria-labelledby=preview-heading] tbody tr")
    items, overdue = rows.count(), rows.filter(has_text="Already overdue").count()
    assert overdue >= 1
    assert items > overdue, "a plan from 2022 also has items still to come"
    assert not CarePlan.objects.exists(), "a preview saves nothing"
    screenshot("careplan-2-preview")
    create = page.get_by_role("button", name="Create the plan with these")
    assert create.inner_text() == f"Create the plan with these {items} items"
    create.click()

    # The plan page: the whole schedule, overdue rows in red.
    plan = CarePlan.objects.get(patient=helen)
    page.wait_for_url(f"{live_server.url}/nurse/plans/{plan.pk}/")
    assert plan.template.code == "breast"
    assert plan.start_date == date(2022, 2, 1)
    assert f"created with {items} follow-up items" in page.locator(".messages").inner_text()
    schedule = page.locator("table[aria-describedby=schedule-caption] tbody tr")
    assert schedule.count() == items == plan.visits.count()
    assert page.locator("tr.table-danger").count() == overdue
    assert "Overdue" in page.locator("tr.table-danger").first.inner_text()
    screenshot("careplan-3-plan")

    # Book the next item still to come, inline.
    upcoming = plan.visits.filter(status=VisitStatus.PLANNED, window_start__gt=today)
    upcoming = upcoming.order_by("due_date", "pk").first()
    row = page.locator(f"#visit-{upcoming.pk}")
    # The link names its item for screen readers: "Schedule <item>, due <date>".
    row.get_by_role("link", name=re.compile(r"^Schedule ")).click()
    when = page.get_by_label("Appointment (date and time)")
    when.wait_for()
    assert page.url.endswith(f"/nurse/plans/{plan.pk}/"), "htmx swapped the row in place"
    when.fill(f"{upcoming.due_date:%Y-%m-%d}T10:30")
    page.get_by_label("Location").fill("Clinic B, room 2")
    screenshot("careplan-4-schedule-form")
    row.get_by_role("button", name="Schedule").click()
    booked = row.get_by_test_id("visit-status")
    booked.filter(has_text="Booked").wait_for()
    assert f"Booked {upcoming.due_date:%Y-%m-%d} 10:30" in booked.inner_text()
    assert "Clinic B, room 2" in booked.inner_text()
    upcoming.refresh_from_db()
    assert upcoming.status == VisitStatus.SCHEDULED

    # Record an overdue item as done.
    late = plan.visits.filter(status=VisitStatus.PLANNED, window_end__lt=today)
    late = late.order_by("-due_date", "pk").first()
    row = page.locator(f"#visit-{late.pk}")
    row.get_by_role("link", name="Complete").click()
    outcome = page.get_by_label("Outcome")
    outcome.wait_for()
    assert page.get_by_label("Done on").input_value() == today.isoformat()
    outcome.select_option(label="No evidence of disease")
    screenshot("careplan-5-complete-form")
    row.get_by_role("button", name="Complete").click()
    done = row.get_by_test_id("visit-status")
    done.filter(has_text="Completed").wait_for()
    assert f"Completed {today:%Y-%m-%d}" in done.inner_text()
    assert "No evidence of disease" in done.inner_text()
    assert "table-danger" not in (row.get_attribute("class") or "")
    late.refresh_from_db()
    assert (late.status, late.outcome) == (VisitStatus.COMPLETED, "ned")
    screenshot("careplan-6-worked")

    # The document the patient takes home.
    page.get_by_role("link", name="Print the plan").click()
    page.wait_for_url(f"{live_server.url}/nurse/plans/{plan.pk}/print/")
    for heading in (
        "Survivorship care plan",
        "Your treatment summary",
        "Your follow-up schedule",
        "Warning signs to tell us about",
        "Looking after yourself",
        "Your care team",
    ):
        assert page.get_by_role("heading", name=heading).is_visible(), heading
    assert upcoming.label in page.get_by_role("main").inner_text()
    screenshot("careplan-7-print")
