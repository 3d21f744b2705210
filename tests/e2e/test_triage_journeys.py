"""Issue #11's journeys: a nurse marks a sign as known; a patient ticks a red flag."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from followup.models import CarePlanTemplate, KnownBaseline, SymptomReport
from followup.services import plans as followup_services
from followup.services import reports as reporting
from patients.choices import CancerType
from patients.models import CancerDiagnosis
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, login
from tests.support.accessibility import horizontal_overflow
from tests.support.factories import make_patient

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "portal-pass-for-tests-42"  # noqa: S105 - a test account's password


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _watch_console(page, errors):
    page.on("console", lambda m: m.type == "error" and errors.append(f"{page.url}: {m.text}"))
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))


def test_a_nurse_marks_a_sign_as_known_and_the_same_report_stops_alerting(
    live_server, page, nurse, helen, diagnosis
):
    errors: list[str] = []
    _watch_console(page, errors)
    followup_services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast", active=True),
        start_date=diagnosis.treatments.get().ended_on,
        owner=nurse,
    )
    login(page, live_server, nurse.username)
    page.wait_for_url(f"{live_server.url}/nurse/")
    page.goto(f"{live_server.url}/nurse/patients/{helen.pk}/")
    section = page.get_by_test_id("baselines")
    assert "No known signs marked" in section.inner_text()
    section.get_by_text("Mark a sign as known").click()
    form = page.locator("#baseline-form")
    form.get_by_label("Sign").select_option("pain")
    form.get_by_label("Usual severity").select_option("moderate")
    form.get_by_label("Note for the team").fill("Scar pain since surgery, stable for months.")
    _shot(page, "triage-1-nurse-baseline-form")
    form.get_by_role("button", name="Save baseline").click()
    page.wait_for_url(f"{live_server.url}/nurse/patients/{helen.pk}/**")
    assert "usually moderate" in section.inner_text()
    assert "Scar pain since surgery" in section.inner_text()
    baseline = KnownBaseline.objects.active().get(patient=helen)
    assert (baseline.code, baseline.severity, baseline.set_by) == ("pain", "moderate", nurse)
    _shot(page, "triage-2-nurse-baseline-set")

    # A report of the same pain, unchanged, now shows the baseline in the queue.
    reporting.report_submit(
        patient=helen,
        submission_key="e2e-same-pain",
        signs=[{"code": "pain", "label": "Pain", "severity": "moderate", "days": 60,
                "trend": "same"}],
    )  # fmt: skip
    page.goto(f"{live_server.url}/nurse/reports/")
    assert "Known for this patient: " in page.get_by_test_id("queue-baselines").inner_text()
    _shot(page, "triage-3-queue-with-baseline")

    # Ending it asks first; dismissing keeps it, accepting ends it.
    page.goto(f"{live_server.url}/nurse/patients/{helen.pk}/")
    end = page.get_by_role("button", name="No longer known")
    page.once("dialog", lambda dialog: dialog.dismiss())
    end.click()
    page.wait_for_timeout(300)
    assert KnownBaseline.objects.active().filter(patient=helen).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    end.click()
    page.get_by_text("No known signs marked").wait_for()
    assert not KnownBaseline.objects.active().filter(patient=helen).exists()
    assert not errors, errors


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_a_patient_ticks_prostate_leg_weakness_and_is_told_to_call_now(live_server, page, nurse):
    errors: list[str] = []
    _watch_console(page, errors)
    patient = make_patient(nurse, mrn="MRN-2002", given="Sam", family="Reid")
    diagnosis = CancerDiagnosis.objects.create(
        patient=patient, cancer_type=CancerType.PROSTATE, diagnosed_on=date(2023, 3, 1)
    )
    patient.user = User.objects.create_user(username="sam-reid", password=PASSWORD)
    patient.save()
    followup_services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="prostate", active=True),
        start_date=timezone.localdate(),
        owner=nurse,
    )
    login(page, live_server, "sam-reid", PASSWORD)
    page.wait_for_url(f"{live_server.url}/portal/")
    page.goto(f"{live_server.url}/portal/report/")
    page.get_by_role("checkbox", name="New weakness or numbness in your legs").check()
    page.get_by_label("How bad is it: New weakness", exact=False).select_option("mild")
    page.get_by_label("Compared with last time: New weakness", exact=False).select_option("new")
    assert not horizontal_overflow(page)
    _shot(page, "triage-4-patient-leg-weakness")
    page.get_by_role("button", name="Send to my care team").click()
    urgent = page.get_by_test_id("urgent-message")
    urgent.wait_for()
    assert "Please call your care team now" in urgent.inner_text()
    report = SymptomReport.objects.get(patient=patient)
    assert report.triage_level == "urgent"
    assert not horizontal_overflow(page)
    _shot(page, "triage-5-patient-call-now")
    assert not errors, errors
