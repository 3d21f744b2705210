"""Issue 21's caregiver journey: a patient invites her husband, he reports a symptom for
her, the nurse sees who sent it, and when she ends his access his next click is refused."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail

from followup.models import CarePlanTemplate, SymptomReport
from followup.rules.content import GENERAL_WARNING_SIGNS
from followup.services import plans as followup_services
from patients.models import CaregiverGrant
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAIN = dict(GENERAL_WARNING_SIGNS)["pain"]
PATIENT_PASSWORD = "helen-portal-pass-42"  # noqa: S105 - test accounts
CAREGIVER_PASSWORD = "sam-helps-helen-2026"  # noqa: S105


def new_page(browser):
    return browser.new_context(viewport={"width": 1280, "height": 900}).new_page()


def test_a_caregiver_reports_for_the_patient_until_she_ends_his_access(
    live_server, browser, page, nurse, helen, diagnosis
):
    helen.user = User.objects.create_user(username="helen-marsh", password=PATIENT_PASSWORD)
    helen.save()
    followup_services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast", active=True),
        start_date=diagnosis.treatments.get().ended_on,
        owner=nurse,
    )

    # Helen invites her son from her portal.
    login(page, live_server, "helen-marsh", PATIENT_PASSWORD)
    page.wait_for_url(f"{live_server.url}/portal/")
    page.get_by_role("link", name="People who help me").click()
    page.get_by_label("Their name").fill("Sam Marsh")
    page.get_by_label("Relationship").fill("son")
    page.get_by_label("Their email address").fill("sam@example.org")
    page.get_by_label("Tell my care team about symptoms for me").check()
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_text("We emailed Sam Marsh an invitation").wait_for()
    assert "Active" in page.get_by_test_id("caregiver-grants").inner_text()
    (invitation,) = [m for m in mail.outbox if m.to == ["sam@example.org"]]
    link = re.search(r"https?://\S+", invitation.body).group(0)
    username = re.search(r"Your username is (\S+)\.", invitation.body).group(1)

    # Sam sets his password, signs in and reports for Helen.
    sam = new_page(browser)
    sam.goto(live_server.url + link[link.index("/accounts/") :])
    sam.locator("#id_new_password1").fill(CAREGIVER_PASSWORD)
    sam.locator("#id_new_password2").fill(CAREGIVER_PASSWORD)
    sam.get_by_role("button", name="Save my password").click()
    sam.get_by_role("link", name="Sign in to your portal").click()
    sam.get_by_label("Username").fill(username)
    sam.get_by_label("Password").fill(CAREGIVER_PASSWORD)
    sam.get_by_role("button", name="Sign in").click()
    sam.wait_for_url(f"{live_server.url}/care/")
    sam.get_by_role("link", name="Helen Marsh").click()
    sam.get_by_role("link", name="Report a symptom for Helen").click()
    assert "You are reporting for" in sam.get_by_test_id("proxy-note").inner_text()
    sam.get_by_role("checkbox", name=PAIN).check()
    details = sam.locator("#details-pain")
    details.get_by_label(f"How bad is it: {PAIN}").select_option("moderate")
    details.get_by_label(f"For how many days: {PAIN}").fill("4")
    details.get_by_label(f"Compared with last time: {PAIN}").select_option("new")
    sam.get_by_role("button", name="Send to my care team").click()
    sam.get_by_text("Thank you, Sam Marsh").wait_for()
    report = SymptomReport.objects.get(patient=helen)
    assert report.reported_by.username == username and report.triage_level == "review"

    # The nurse's queue says who sent it.
    nurse_page = new_page(browser)
    login(nurse_page, live_server, nurse.username)
    nurse_page.goto(f"{live_server.url}/nurse/reports/")
    top = nurse_page.get_by_test_id("triage-queue").locator("li").first
    assert "Reported by caregiver Sam Marsh, son" in top.inner_text()

    # Helen ends his access; his next click is refused.
    page.goto(f"{live_server.url}/portal/caregivers/")
    page.get_by_role("link", name="End access for Sam Marsh").click()
    page.get_by_role("button", name="Yes, end access").click()
    page.get_by_text("can no longer use the portal").wait_for()
    assert CaregiverGrant.objects.get().revoked_at is not None
    response = sam.goto(f"{live_server.url}/care/{helen.pk}/")
    assert response.status == 404
    sam.goto(f"{live_server.url}/care/")
    assert "Nobody has shared their portal" in sam.content()
