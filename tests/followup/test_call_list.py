"""Issue 18: a call list for patients who go quiet, and calls logged by the care team."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from followup.models import (
    CallAttempt,
    CheckIn,
    Reminder,
    ReminderKind,
    ReminderStatus,
    SymptomReport,
)
from followup.selectors import dashboard
from followup.selectors.calls import call_list
from followup.services import reminders
from followup.services.calls import call_attempt_log
from followup.services.plans import careplan_create
from tests.followup.test_symptom_reports import plan  # noqa: F401 (fixture)
from tests.support.factories import make_patient


def miss(plan, weeks):  # noqa: F811
    """Open a check-in per week for ``weeks`` weeks, then today's: all before it missed."""
    today = timezone.localdate()
    for week in range(weeks, 0, -1):
        reminders.checkin_open(plan, today - timedelta(days=7 * week))
    reminders.checkin_open(plan, today)


def names(user):
    return [entry.patient.full_name for entry in call_list(user=user)]


def test_two_missed_in_a_row_put_a_patient_on_the_list_one_does_not(nurse, plan):  # noqa: F811
    miss(plan, 1)
    assert names(nurse) == []
    CheckIn.objects.filter(patient=plan.patient).delete()
    miss(plan, 2)
    (entry,) = call_list(user=nurse)
    assert entry.patient == plan.patient and entry.missed_in_a_row == 2


def test_an_answer_after_the_misses_takes_the_patient_off(nurse, plan):  # noqa: F811
    miss(plan, 3)
    newest_closed = CheckIn.objects.filter(status="missed").order_by("-due_on").first()
    newest_closed.status = "answered"
    newest_closed.save()
    assert names(nurse) == []


def test_a_bounced_prompt_puts_a_patient_on_the_list(nurse, plan):  # noqa: F811
    reminders.checkin_open(plan, timezone.localdate())
    Reminder.objects.filter(kind=ReminderKind.CHECKIN).update(status=ReminderStatus.FAILED)
    (entry,) = call_list(user=nurse)
    assert entry.bounced and entry.missed_in_a_row == 0


def test_no_answer_keeps_them_on_reached_takes_them_off_with_a_report_by_phone(
    client,
    nurse,
    plan,  # noqa: F811
):
    miss(plan, 2)
    patient = plan.patient
    client.force_login(nurse)
    page = client.get("/nurse/call-list/").content.decode()
    assert patient.full_name in page and "Missed 2 check-ins in a row" in page
    response = client.post(f"/nurse/call-list/{patient.pk}/", {"outcome": "no_answer"})
    assert response.status_code == 302
    assert names(nurse) == [patient.full_name]
    response = client.post(
        f"/nurse/call-list/{patient.pk}/",
        {"outcome": "reached", "report-submission_key": "a" * 32, "report-sign_pain": "on",
         "report-severity_pain": "mild", "report-trend_pain": "same", "note": "Doing well."},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert names(nurse) == []
    report = SymptomReport.objects.get()
    assert report.by_phone and report.call_attempt.by == nurse
    assert report.checkin is not None and report.checkin.status == "answered"
    assert list(report.signs.values_list("code", flat=True)) == ["pain"]
    detail = client.get(f"/nurse/reports/{report.pk}/").content.decode()
    assert "taken by phone" in detail
    assert CallAttempt.objects.count() == 2


def test_reached_needs_what_the_patient_said(client, nurse, plan):  # noqa: F811
    miss(plan, 2)
    client.force_login(nurse)
    response = client.post(
        f"/nurse/call-list/{plan.patient.pk}/",
        {"outcome": "reached", "report-submission_key": "a" * 32, "note": "kept"},
    )
    assert response.status_code == 400
    assert "tick “nothing new”" in response.content.decode()
    assert "kept" in response.content.decode(), "nothing typed is lost"
    assert not CallAttempt.objects.exists()


def test_a_pause_takes_them_off_stops_check_ins_and_a_past_pause_is_refused(
    client,
    nurse,
    plan,  # noqa: F811
):
    miss(plan, 2)
    patient = plan.patient
    client.force_login(nurse)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(
        f"/nurse/call-list/{patient.pk}/",
        {"outcome": "pause", "pause_until": f"{yesterday:%Y-%m-%d}"},
    )
    assert response.status_code == 400
    assert "day still to come" in response.content.decode()
    with pytest.raises(ValidationError):
        call_attempt_log(patient=patient, by=nurse, outcome="pause", pause_until=yesterday)
    later = timezone.localdate() + timedelta(days=30)
    client.post(
        f"/nurse/call-list/{patient.pk}/", {"outcome": "pause", "pause_until": f"{later:%Y-%m-%d}"}
    )
    assert names(nurse) == []
    CheckIn.objects.all().delete()
    assert reminders.checkins_open_due() == 0, "paused: no check-in is opened"
    CallAttempt.objects.update(pause_until=timezone.localdate())
    assert reminders.checkins_open_due() == 1


def test_only_a_nurse_on_the_care_team_logs_a_call(client, nurse, nurse2, plan):  # noqa: F811
    miss(plan, 2)
    with pytest.raises(PermissionDenied):
        call_attempt_log(patient=plan.patient, by=nurse2, outcome="no_answer")
    client.force_login(nurse2)
    assert client.post(
        f"/nurse/call-list/{plan.patient.pk}/", {"outcome": "no_answer"}
    ).status_code in (403, 404)
    assert names(nurse2) == []
    assert not CallAttempt.objects.exists()


def test_the_call_list_query_count_does_not_grow_with_the_list(client, nurse, plan):  # noqa: F811
    miss(plan, 2)
    CallAttempt.objects.create(patient=plan.patient, by=nurse, outcome="left_message")
    client.force_login(nurse)
    client.get("/nurse/call-list/")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/nurse/call-list/").status_code == 200
        return len(ctx)

    small = count()
    assert small <= 12, small
    template = plan
    for n in range(5):
        other = make_patient(nurse, mrn=f"MRN-CALL-{n}", given=f"Pat{n}", family="Quiet")
        diagnosis = other.diagnoses.create(
            cancer_type="breast", diagnosed_on=timezone.localdate() - timedelta(days=900)
        )
        copy = careplan_create(
            diagnosis=diagnosis, template=template.template,
            start_date=template.start_date, owner=nurse,
        )  # fmt: skip
        miss(copy, 2)
        CallAttempt.objects.create(patient=other, by=nurse, outcome="no_answer")
    assert len(call_list(user=nurse)) == 6
    assert count() == small


def test_the_quality_page_shows_completion_by_portal_phone_and_missed(
    client,
    nurse,
    plan,  # noqa: F811
):
    miss(plan, 3)  # three missed, one open
    call_attempt_log(
        patient=plan.patient, by=nurse, outcome="reached", report={"nothing_new": True}
    )  # answers the newest open check-in by phone
    older = CheckIn.objects.filter(status="missed").order_by("due_on").first()
    older.status, older.answered_at = "answered", timezone.now()
    older.save()
    result = dashboard.checkin_completion(nurse)
    assert result["totals"] == {"portal": 1, "phone": 1, "missed": 2}
    assert result["rate"] == 50.0
    assert result["reference"] == 91
    assert result["patients"] == 1 and result["on_call_list"] == 0
    client.force_login(nurse)
    page = client.get("/dashboard/quality/").content.decode()
    assert "1 in the portal, 1 by phone, 2 missed" in page
    assert "PRO-TECT: 91%" in page
