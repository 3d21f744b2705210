"""Keyboard only: the patient's symptom form and the nurse's triage queue.

No mouse after sign-in. Every stop shows a focus ring, focus follows the page's reading
order, a refused form puts focus on its error summary, and Tab always leaves the page
in the end (no trap).
"""

import pytest
from django.contrib.auth.models import User

from followup.models import CarePlanTemplate, ReportStatus, SymptomReport
from followup.rules.content import GENERAL_WARNING_SIGNS
from followup.services import plans as plan_services
from followup.services.reports import report_submit
from tests.e2e.conftest import login
from tests.support.accessibility import (
    focused,
    reading_order_problems,
    tab_off_the_page,
    tab_until,
    without_ring,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIGNS = dict(GENERAL_WARNING_SIGNS)
PAIN = SIGNS["pain"]
PASSWORD = "helen-keyboard-pass-42"  # noqa: S105 - a test account's password


@pytest.fixture
def helen_on_the_portal(helen, diagnosis, nurse):
    helen.user = User.objects.create_user(username="helen-marsh", password=PASSWORD)
    helen.save()
    plan_services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast", active=True),
        start_date=diagnosis.treatments.get().ended_on,
        owner=nurse,
    )
    return helen


def _is(label):
    return lambda here: here["label"].startswith(label)


def _check(stops):
    assert not without_ring(stops), f"no visible focus ring: {without_ring(stops)}"
    assert not reading_order_problems(stops), reading_order_problems(stops)


def test_a_patient_reports_a_symptom_with_the_keyboard_alone(
    live_server, page, helen_on_the_portal
):
    login(page, live_server, "helen-marsh", PASSWORD)
    page.wait_for_url(f"{live_server.url}/portal/")
    page.goto(f"{live_server.url}/portal/report/")

    # The first Tab reaches the skip link, visible once focused; Enter lands in main.
    page.keyboard.press("Tab")
    here = focused(page)
    assert here["label"] == "Skip to main content" and here["ring"]
    assert page.get_by_role("link", name="Skip to main content").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # From main, the first sign's box comes after the breadcrumb; ticking it opens its
    # questions and the next Tab goes into them, named after the sign.
    first_sign = GENERAL_WARNING_SIGNS[0][1]
    stops = tab_until(page, _is(first_sign))
    assert stops[0]["label"] == "My care", "the breadcrumb comes first in main"
    pain_stops = tab_until(page, _is(PAIN))
    page.keyboard.press("Space")
    assert page.locator("#details-pain").is_visible()
    page.keyboard.press("Tab")
    assert focused(page)["label"] == f"How bad is it: {PAIN}"
    _check(stops + pain_stops)

    # Send without saying how bad: the error summary takes focus and names the sign.
    rest = tab_until(page, _is("Send to my care team"))
    _check(rest)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    summary = page.get_by_test_id("error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert f"How bad is it: {PAIN}: Please say how bad it is." in summary.inner_text()
    assert not SymptomReport.objects.exists()

    # Its link takes focus to the field; arrows choose, Tab moves on, Enter sends.
    tab_until(page, _is(f"How bad is it: {PAIN}"))
    page.keyboard.press("Enter")
    assert focused(page)["label"] == f"How bad is it: {PAIN}"
    page.keyboard.press("ArrowDown")
    assert page.locator("#id_severity_pain").input_value() != ""
    tab_until(page, _is(f"Compared with last time: {PAIN}"))
    page.keyboard.press("ArrowDown")
    tab_until(page, _is("Send to my care team"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/portal/reports/**")
    sign = SymptomReport.objects.get().signs.get()
    assert (sign.code, bool(sign.severity), bool(sign.trend)) == ("pain", True, True)

    # From the confirmation, Tab runs through the page and off it: no trap.
    _check(tab_off_the_page(page))


def test_a_nurse_works_the_triage_queue_with_the_keyboard_alone(
    live_server, page, nurse, helen_on_the_portal
):
    report = report_submit(
        patient=helen_on_the_portal,
        submission_key="keyboard-queue",
        signs=[{"code": "pain", "label": PAIN, "severity": "severe", "trend": "new", "days": 3}],
    ).report
    login(page, live_server, nurse.username)
    page.wait_for_url(f"{live_server.url}/nurse/")
    page.goto(f"{live_server.url}/nurse/reports/")

    stops = tab_until(page, _is("Open the report from Helen Marsh"))
    _check(stops)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/nurse/reports/{report.pk}/")

    _check(tab_until(page, _is("Acknowledge")))
    page.keyboard.press("Enter")
    page.get_by_text("Acknowledged: the team can see you are on it.").wait_for()
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED

    stops = tab_until(page, _is("What was done"))
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("What was done").input_value() != ""
    stops += tab_until(page, _is("Note"))
    page.keyboard.type("Called Helen; pain advice given.")
    stops += tab_until(page, _is("Resolve"))
    _check(stops)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/nurse/reports/")
    report.refresh_from_db()
    assert report.status == ReportStatus.RESOLVED
    assert report.resolution_note == "Called Helen; pain advice given."

    _check(tab_off_the_page(page))
