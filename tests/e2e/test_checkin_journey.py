"""Issue 18's journeys: a patient answers "nothing new" from the prompt's link in two
taps, and a nurse works the call list, taking a report by phone from a patient who went
quiet."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from followup.delivery import messages
from followup.models import CallAttempt, CheckIn, Reminder, ReminderKind, SymptomReport
from followup.rules import prompts
from followup.rules.content import GENERAL_WARNING_SIGNS
from followup.services import reminders
from tests.e2e.conftest import login
from tests.e2e.test_symptom_journey import PASSWORD, helen_on_the_portal  # noqa: F401
from tests.support.accessibility import axe_violations, blocking

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAIN = dict(GENERAL_WARNING_SIGNS)["pain"]


def test_a_patient_answers_nothing_new_from_the_prompt_in_two_taps(
    live_server,
    page,
    screenshot,
    settings,
    helen_on_the_portal,  # noqa: F811
):
    settings.SITE_URL = live_server.url
    plan = helen_on_the_portal.care_plans.get()
    checkin = reminders.checkin_open(plan, timezone.localdate())
    prompt = Reminder.objects.get(kind=ReminderKind.CHECKIN, checkin=checkin)
    email = messages.render(prompt, "email")
    for code in checkin.watch_signs:
        assert prompts.phrase(code) in email.text, "the prompt names this week's signs"
    link = re.search(r"(https?://\S+/nothing-new/)", email.text).group(1)

    # Signed out, as from a phone's mail app: the link asks for a sign-in first and then
    # lands on the confirmation, which has not answered anything yet.
    page.goto(link)
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill("helen-marsh")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(link)
    checkin.refresh_from_db()
    assert checkin.status == "open", "opening the link answers nothing"
    screenshot("checkin-1-nothing-new")
    assert not blocking(axe_violations(page))

    # Signed in, it is two taps: the link, then the button.
    page.goto(link)
    page.get_by_role("button", name="Yes, nothing new").click()
    page.wait_for_url(f"{live_server.url}/portal/reports/**")
    checkin.refresh_from_db()
    report = SymptomReport.objects.get(patient=helen_on_the_portal)
    assert checkin.status == "answered" and report.checkin == checkin and report.nothing_new
    screenshot("checkin-2-answered")

    # The link again: it says the check-in is answered and offers nothing to press.
    page.goto(link)
    assert "already answered this check-in" in page.content()
    assert not page.get_by_role("button", name="Yes, nothing new").count()
    assert SymptomReport.objects.filter(patient=helen_on_the_portal).count() == 1


def test_a_nurse_calls_a_patient_who_went_quiet_and_takes_a_report_by_phone(
    live_server,
    page,
    screenshot,
    nurse,
    helen_on_the_portal,  # noqa: F811
):
    helen = helen_on_the_portal
    helen.mobile_phone = "+44 7700 900123"
    helen.save()
    plan = helen.care_plans.get()
    today = timezone.localdate()
    for weeks in (2, 1, 0):  # two weeks missed, this week's still open
        reminders.checkin_open(plan, today - timedelta(days=7 * weeks))
    assert CheckIn.objects.filter(patient=helen, status="missed").count() == 2

    login(page, live_server, nurse.username)
    page.wait_for_url(f"{live_server.url}/nurse/")
    page.get_by_role("link", name="Call list").first.click()
    page.wait_for_url(f"{live_server.url}/nurse/call-list/")
    row = page.get_by_test_id(f"call-row-{helen.pk}")
    assert "Missed 2 check-ins in a row" in row.inner_text()
    assert row.get_by_role("link", name=helen.mobile_phone).get_attribute("href") == (
        "tel:+447700900123"
    )
    screenshot("call-list-1-list")

    # No answer the first time: she stays on the list, with the attempt shown.
    row.get_by_role("link", name=f"Log a call to {helen.full_name}").click()
    page.get_by_label("No answer").check()
    page.get_by_role("button", name="Save the call").click()
    page.wait_for_url(f"{live_server.url}/nurse/call-list/")
    row = page.get_by_test_id(f"call-row-{helen.pk}")
    assert "No answer" in row.inner_text()

    # Reached the next time, with nothing said yet: told what is missing, nothing lost.
    row.get_by_role("link", name=f"Log a call to {helen.full_name}").click()
    page.get_by_label("Reached: report taken by phone").check()
    page.get_by_label("Note").fill("Called back at lunchtime.")
    page.get_by_role("button", name="Save the call").click()
    page.get_by_text("Enter what the patient told you below").wait_for()
    assert page.get_by_label("Note").input_value() == "Called back at lunchtime."
    assert page.get_by_label("Reached: report taken by phone").is_checked()

    page.get_by_label(PAIN, exact=True).check()
    page.get_by_label(f"How bad is it: {PAIN}").select_option("mild")
    page.get_by_label(f"Compared with last time: {PAIN}").select_option("same")
    screenshot("call-list-2-log")
    page.get_by_role("button", name="Save the call").click()
    page.wait_for_url(f"{live_server.url}/nurse/call-list/")
    assert "The report taken by phone is in the queue" in page.locator(".messages").inner_text()
    assert page.get_by_text("Nobody to call").is_visible()
    screenshot("call-list-3-empty")

    report = SymptomReport.objects.get(patient=helen)
    assert report.by_phone and list(report.signs.values_list("code", flat=True)) == ["pain"]
    assert CallAttempt.objects.filter(patient=helen).count() == 2
    page.goto(f"{live_server.url}/nurse/reports/{report.pk}/")
    assert "taken by phone" in page.content()
