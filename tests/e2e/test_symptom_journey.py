"""Issue 6's journey: a patient reports a severe symptom, the nurse triages and resolves it."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from followup.models import CarePlanTemplate, ReportStatus, SymptomReport, TriageLevel
from followup.rules.content import GENERAL_WARNING_SIGNS
from followup.services import plans as followup_services
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, login
from tests.support.accessibility import horizontal_overflow

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAIN = dict(GENERAL_WARNING_SIGNS)["pain"]
PASSWORD = "helen-portal-pass-42"  # noqa: S105 - a test account's password


@pytest.fixture
def helen_on_the_portal(helen, diagnosis, nurse):
    """Helen with a portal account and a breast cancer care plan."""
    helen.user = User.objects.create_user(username="helen-marsh", password=PASSWORD)
    helen.save()
    followup_services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast", active=True),
        start_date=diagnosis.treatments.get().ended_on,
        owner=nurse,
    )
    return helen


def _watch_console(page, errors):
    def on_console(message):
        if message.type == "error":
            errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"[e2e] screenshot {path}")


# The patient's half runs on a desktop and on a phone (390x844), where nothing may stick
# out sideways.
@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_it_takes_a_severe_symptom_from_the_patient_to_the_nurse_and_back(
    live_server, browser, page, nurse, helen_on_the_portal
):
    helen = helen_on_the_portal
    errors: list[str] = []
    _watch_console(page, errors)

    # The patient logs a severe new pain.
    login(page, live_server, "helen-marsh", PASSWORD)
    page.wait_for_url(f"{live_server.url}/portal/")
    assert not horizontal_overflow(page)
    page.get_by_role("link", name="Log a symptom").click()
    page.wait_for_url(f"{live_server.url}/portal/report/")
    details = page.locator("#details-pain")
    assert details.is_hidden(), "a sign's questions open only once it is ticked"
    page.get_by_role("checkbox", name=PAIN).check()
    assert details.is_visible()
    details.get_by_label(f"How bad is it: {PAIN}").select_option("severe")
    details.get_by_label(f"For how many days: {PAIN}").fill("3")
    details.get_by_label(f"Compared with last time: {PAIN}").select_option("new")
    assert not horizontal_overflow(page)
    page.get_by_label("Anything else you want us to know?").fill("Sharp pain in my left side.")
    page.get_by_label("How much have you worried").select_option("7")
    _shot(page, "symptoms-1-patient-report")
    page.get_by_role("button", name="Send to my care team").click()

    urgent = page.get_by_test_id("urgent-message")
    urgent.wait_for()
    assert "Please call your care team now" in urgent.inner_text()
    assert settings.CLINIC_PHONE in urgent.inner_text()
    phone = urgent.get_by_role("link", name=settings.CLINIC_PHONE).first  # + after-hours
    assert phone.get_attribute("href") == "tel:" + settings.CLINIC_PHONE.replace(" ", "")
    report = SymptomReport.objects.get(patient=helen)
    assert (report.triage_level, report.triage_rule) == (TriageLevel.URGENT, "severe_sign")
    assert report.plan is not None
    assert report.worry == 7
    assert not horizontal_overflow(page)
    _shot(page, "symptoms-2-patient-call-now")

    # The nurse, in her own browser session.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        nurse_page = context.new_page()
        _watch_console(nurse_page, errors)
        login(nurse_page, live_server, nurse.username)
        nurse_page.wait_for_url(f"{live_server.url}/nurse/")
        preview = nurse_page.get_by_test_id("queue-preview").locator("li").first
        assert "Helen Marsh" in preview.inner_text()
        assert "Urgent" in preview.inner_text()
        _shot(nurse_page, "symptoms-3-nurse-home")

        nurse_page.get_by_role("link", name="All open reports").click()
        nurse_page.wait_for_url(f"{live_server.url}/nurse/reports/")
        top = nurse_page.get_by_test_id("triage-queue").locator("li").first
        assert "Helen Marsh" in top.inner_text()
        assert "Urgent" in top.inner_text()
        assert PAIN in top.inner_text()
        _shot(nurse_page, "symptoms-4-queue")

        top.get_by_role("link", name="Open").click()
        nurse_page.wait_for_url(f"{live_server.url}/nurse/reports/{report.pk}/")
        assert "Triage: Urgent" in nurse_page.locator("#triage-heading").inner_text()
        assert "Sharp pain in my left side." in nurse_page.get_by_test_id("other-text").inner_text()
        nurse_page.get_by_role("button", name="Acknowledge").click()
        nurse_page.get_by_text("Acknowledged: the team can see you are on it.").wait_for()
        assert nurse_page.get_by_role("button", name="Acknowledge").count() == 0
        report.refresh_from_db()
        assert (report.status, report.acknowledged_by) == (ReportStatus.ACKNOWLEDGED, nurse)
        _shot(nurse_page, "symptoms-5-acknowledged")

        nurse_page.get_by_label("What was done").select_option(label="Called the patient")
        note = "Called Helen: pain relief advice, clinic visit on Friday."
        nurse_page.get_by_label("Note").fill(note)
        nurse_page.get_by_role("button", name="Resolve").click()
        nurse_page.wait_for_url(f"{live_server.url}/nurse/reports/")
        assert nurse_page.get_by_test_id("triage-queue").count() == 0
        assert "No open reports" in nurse_page.get_by_role("main").inner_text()
        report.refresh_from_db()
        assert (report.status, report.resolution) == (ReportStatus.RESOLVED, "called")
        assert report.resolution_note == note
        _shot(nurse_page, "symptoms-6-queue-empty")

        # The patient page: the chart (drawn by Chart.js under the CSP) and its table.
        nurse_page.goto(f"{live_server.url}/nurse/patients/{helen.pk}/")
        canvas = nurse_page.locator("canvas#trend-chart")
        canvas.wait_for()
        drawn = (
            "() => Boolean(window.Chart && Chart.getChart(document.getElementById('trend-chart')))"
        )
        nurse_page.wait_for_function(drawn)
        nurse_page.get_by_text("The same data as a table").click()
        table = nurse_page.get_by_test_id("trend-table")
        table.wait_for()
        row = table.locator("tbody tr").first
        assert PAIN in row.inner_text()
        assert "severe" in row.inner_text()
        assert "urgent" in row.inner_text()
        assert row.locator("td").nth(2).inner_text() == "7"
        _shot(nurse_page, "symptoms-7-patient-trends")
    finally:
        context.close()

    assert errors == [], errors
