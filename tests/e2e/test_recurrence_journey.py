"""Issue 19's journey: a nurse records a distant recurrence; the plan pauses, its routine
reminders stop, the overdue total drops, the review task appears; the patient's portal
shows nothing until the nurse marks it discussed, then offers the page on living with a
recurrence."""

from datetime import timedelta

import pytest
from django.utils import timezone

from followup.models import PlanStatus, ReminderStatus
from followup.selectors import dashboard
from tests.e2e.conftest import ARTIFACTS, login
from tests.e2e.test_symptom_journey import PASSWORD, helen_on_the_portal  # noqa: F401
from tests.followup.test_recurrence_plan import overdue_please_book
from tests.support.accessibility import axe_violations, blocking

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_recurrence_pauses_the_plan_and_reaches_the_portal_only_once_discussed(
    live_server,
    browser,
    page,
    screenshot,
    nurse,
    administrator,
    helen_on_the_portal,  # noqa: F811
):
    helen = helen_on_the_portal
    plan = helen.care_plans.get()
    prompt = overdue_please_book(plan.visits.filter(status="planned").order_by("due_date")[0])
    overdue_before = dashboard.overdue(administrator).count()
    of_this_plan = dashboard.overdue(administrator).filter(plan=plan).count()
    assert of_this_plan >= 1

    # The patient's portal before: the routine greeting.
    patient = browser.new_context().new_page()
    login(patient, live_server, "helen-marsh", PASSWORD)
    patient.wait_for_url(f"{live_server.url}/portal/")
    greeting_before = patient.locator("main p").first.inner_text()

    # The nurse records a distant recurrence; the plan question defaults to "pause".
    login(page, live_server, nurse.username)
    page.wait_for_url(f"{live_server.url}/nurse/")
    page.goto(f"{live_server.url}/nurse/patients/{helen.pk}/")
    page.get_by_role("link", name="Record status").click()
    page.get_by_label("Date").fill(f"{timezone.localdate() - timedelta(days=2):%Y-%m-%d}")
    page.get_by_label("Status", exact=False).and_(page.locator("select")).select_option("return")
    page.get_by_label("Where it came back").select_option("distant")
    page.get_by_label("Site").fill("bone")
    assert page.get_by_label("Pause the surveillance plan", exact=False).is_checked()
    assert not blocking(axe_violations(page))
    screenshot("recurrence-1-record")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/nurse/patients/{helen.pk}/**")
    assert "The care plan is paused" in page.locator(".messages").inner_text()

    plan.refresh_from_db()
    prompt.refresh_from_db()
    assert plan.status == PlanStatus.PAUSED
    assert prompt.status == ReminderStatus.CANCELLED, "routine reminders stopped"
    assert dashboard.overdue(administrator).count() == overdue_before - of_this_plan

    # The review task on the nurse's workspace.
    page.goto(f"{live_server.url}/nurse/")
    task = page.get_by_test_id("plan-reviews")
    assert f"Review the plan of {helen.full_name}" in task.inner_text()
    screenshot("recurrence-2-review-task")

    # The portal shows nothing new yet.
    patient.goto(f"{live_server.url}/portal/")
    assert patient.locator("main p").first.inner_text() == greeting_before
    assert not patient.get_by_test_id("living-with-recurrence-card").count()
    assert "recurrence" not in patient.locator("main").inner_text().lower()
    response = patient.goto(f"{live_server.url}/portal/living-with-recurrence/")
    assert response.status == 404

    # The nurse talks it through with Helen, then marks it discussed.
    page.goto(f"{live_server.url}/nurse/patients/{helen.pk}/")
    page.get_by_role("link", name="Mark discussed with the patient").first.click()
    page.get_by_label(f"I confirm this was talked through with {helen.full_name}.").check()
    page.get_by_role("button", name="Mark discussed with the patient").click()
    page.wait_for_url(f"{live_server.url}/nurse/patients/{helen.pk}/**")

    # Now the portal offers the page on living with a recurrence.
    patient.goto(f"{live_server.url}/portal/")
    card = patient.get_by_test_id("living-with-recurrence-card")
    card.get_by_role("link", name="Read: living with a recurrence").click()
    patient.wait_for_url(f"{live_server.url}/portal/living-with-recurrence/")
    text = patient.locator("main").inner_text()
    assert "second opinion" in text.lower() and "clinical trial" in text.lower()
    assert not blocking(axe_violations(patient))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    patient.screenshot(path=str(ARTIFACTS / "recurrence-4-portal-page.png"), full_page=True)
    patient.context.close()

    # Back on the plan page: paused, with the way back.
    page.goto(f"{live_server.url}/nurse/plans/{plan.pk}/")
    assert page.locator("[data-plan-paused]").is_visible()
    screenshot("recurrence-3-plan-paused")
