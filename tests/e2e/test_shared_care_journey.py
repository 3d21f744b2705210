"""Issue 17's journey: a nurse records an anthracycline, sees the heart check appear with
its reason, and sends the shared-care letter to the primary-care doctor (a real relay)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from followup.delivery import dispatch
from followup.models import CarePlanTemplate, FollowUpVisit, Reminder, ReminderKind
from followup.services import plans as services
from tests.e2e.conftest import login
from tests.followup.test_care_letters import DOCTOR, Relay, pdf_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_nurse_records_an_anthracycline_sees_the_heart_check_and_sends_the_letter(
    live_server, page, screenshot, settings, nurse, helen, diagnosis
):
    start = timezone.localdate() - timedelta(days=200)
    helen.pcp_name, helen.pcp_email = "Dr Sam Okafor", DOCTOR
    helen.save()
    plan = services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=start,
        owner=nurse,
    )
    assert not plan.visits.filter(rule_key__icontains="cardiac").exists()

    login(page, live_server, nurse.username)
    page.wait_for_url(f"{live_server.url}/nurse/")
    page.goto(f"{live_server.url}/nurse/patients/{helen.pk}/")
    page.get_by_role("link", name="Add treatment").first.click()
    page.get_by_label("Modality").select_option("chemotherapy")
    page.get_by_label("Start date").fill(f"{start - timedelta(days=120):%Y-%m-%d}")
    page.get_by_label("End date").fill(f"{start:%Y-%m-%d}")
    page.get_by_label("Agent", exact=True).select_option("doxorubicin")
    page.get_by_label("Cycles").fill("4")
    # A dose out of range first: the nurse is told, nothing is lost.
    page.get_by_label("Cumulative dose (mg/m²)").fill("9000")
    page.get_by_role("button", name="Save").click()
    error = page.locator(".invalid-feedback, .errorlist").first
    error.wait_for()
    assert page.get_by_label("Cycles").input_value() == "4"
    page.get_by_label("Cumulative dose (mg/m²)").fill("240")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/nurse/patients/{helen.pk}/**")

    page.goto(f"{live_server.url}/nurse/plans/{plan.pk}/")
    cardiac = FollowUpVisit.objects.filter(plan=plan, reason__startswith="Because of anthracyc")
    assert cardiac.exists(), list(plan.visits.values_list("label", "reason"))
    row = page.locator(f"#visit-{cardiac.first().pk}")
    assert "Because of anthracyclines" in row.inner_text()
    screenshot("shared-care-1-cardiac-item")

    page.get_by_role("link", name="Send the letter to primary care").click()
    assert page.locator("#letter-recipient").inner_text() == DOCTOR
    screenshot("shared-care-2-confirm")
    page.get_by_role("button", name="Send the letter to Dr Sam Okafor").click()
    page.wait_for_url(f"{live_server.url}/nurse/plans/{plan.pk}/")
    assert "on its way to Dr Sam Okafor" in page.locator(".messages").inner_text()

    with Relay() as relay:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", relay.port
        letter = Reminder.objects.get(kind=ReminderKind.CARE_LETTER)
        assert dict(dispatch.send_batch([letter.pk])) == {"sent": 1}
    (attachment,) = list(relay.received[0].iter_attachments())
    assert "echocardiogram" in pdf_text(attachment.get_content()).lower()

    page.reload()
    status = page.locator("[data-letter-status]").first
    assert status.get_attribute("data-letter-status") == "sent"
    assert "Sent" in status.inner_text()
    screenshot("shared-care-3-sent")
