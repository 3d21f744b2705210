from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from devtools import demo
from followup.delivery import dispatch, messages
from followup.models import (
    CarePlan,
    FollowUpVisit,
    KnownBaseline,
    Outcome,
    Reminder,
    ReminderKind,
    ReminderStatus,
    ReportedSign,
    ReportStatus,
    SharedCareLetter,
    SymptomReport,
    TriageLevel,
    VisitStatus,
)
from followup.rules import guidelines, scheduling
from followup.selectors import dashboard
from followup.selectors.calls import call_list
from followup.selectors.nurse import triage_queue
from patients.choices import DiseaseStatus, Intent
from patients.models import CancerDiagnosis, DiseaseStatusEvent, Patient, Treatment
from survivorship.roles import Role, roles_of

DEMO_USERS = {
    "demo-nurse": Role.NURSE,
    "demo-nurse2": Role.NURSE,
    "demo-admin": Role.ADMINISTRATOR,
    "demo-patient": Role.PATIENT,
    "demo-patient2": Role.PATIENT,
    "demo-caregiver": Role.CAREGIVER,
}


def test_it_creates_the_demo_accounts_with_their_roles_and_prints_the_logins(db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    for username, role in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert role in roles_of(user)
        assert user.check_password("survivorship-demo")
        assert username in out
    assert "survivorship-demo" in out


def test_it_is_idempotent(db):
    call_command("seed_demo")
    counts = (User.objects.count(), Patient.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Patient.objects.count()) == counts


def test_it_uses_demo_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-pass")
    call_command("seed_demo")
    assert User.objects.get(username="demo-nurse").check_password("another-demo-pass")


def test_it_refuses_to_run_with_production_settings(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not User.objects.exists()


def _counts():
    return {
        "patients": Patient.objects.count(),
        "diagnoses": CancerDiagnosis.objects.count(),
        "treatments": Treatment.objects.count(),
        "events": DiseaseStatusEvent.objects.count(),
        "patient history": Patient.history.count(),
        "event history": DiseaseStatusEvent.history.count(),
        "plans": CarePlan.objects.count(),
        "visits": FollowUpVisit.objects.count(),
        "visit history": FollowUpVisit.history.count(),
        "visit statuses": sorted(FollowUpVisit.objects.values_list("pk", "status")),
        "reports": sorted(
            SymptomReport.objects.values_list("pk", "submitted_at", "status", "triage_level")
        ),
        "signs": ReportedSign.objects.count(),
        "reminders": sorted(Reminder.objects.values_list("pk", "status")),
    }


def test_it_creates_a_caseload_of_at_least_twelve_patients_across_six_cancer_types(db):
    call_command("seed_demo")
    assert Patient.objects.count() >= 12
    types = set(CancerDiagnosis.objects.values_list("cancer_type", flat=True))
    assert len(types) >= 6
    assert Treatment.objects.exclude(lasting_side_effects="").exists()
    assert not Patient.objects.filter(diagnoses=None).exists()
    assert set(Patient.objects.values_list("medical_record_number", flat=True)) >= {
        "DEMO-0001",
        "DEMO-0002",
    }


def test_it_links_the_demo_patient_accounts_to_their_records(db):
    call_command("seed_demo")
    assert User.objects.get(username="demo-patient").patient.full_name == "Maria Lopez"
    assert User.objects.get(username="demo-patient2").patient.medical_record_number == "DEMO-0002"


def test_it_spreads_the_caseload_over_both_nurses_and_shares_a_few(db):
    call_command("seed_demo")
    nurse, nurse2 = (
        User.objects.get(username="demo-nurse"),
        User.objects.get(username="demo-nurse2"),
    )
    mine = set(Patient.objects.for_user(nurse))
    theirs = set(Patient.objects.for_user(nurse2))
    assert Patient.objects.filter(primary_nurse=nurse).count() >= 6
    assert Patient.objects.filter(primary_nurse=nurse2).count() >= 5
    assert mine & theirs
    assert theirs - mine, "a patient outside demo-nurse's care team shows the 404 rule"


def test_it_records_a_recurrence_and_a_progression_classified_from_the_history(db):
    call_command("seed_demo")
    recurrence = DiseaseStatusEvent.objects.get(status=DiseaseStatus.RECURRENCE)
    assert "recurrence" in recurrence.classification_reason
    assert recurrence.suggested_status == DiseaseStatus.RECURRENCE
    assert recurrence.recurrence_type == "distant"
    assert recurrence.restage.startswith("r")
    assert recurrence.diagnosis.cancer_type == "breast"
    assert recurrence.recorded_by.username in {"demo-nurse", "demo-nurse2"}
    progression = DiseaseStatusEvent.objects.get(status=DiseaseStatus.PROGRESSION)
    assert "progression" in progression.classification_reason
    assert progression.suggested_status == DiseaseStatus.PROGRESSION
    statuses = set(DiseaseStatusEvent.objects.values_list("status", flat=True))
    assert {DiseaseStatus.NED, DiseaseStatus.PARTIAL_RESPONSE, DiseaseStatus.STABLE} <= statuses


def test_it_includes_a_second_primary_cancer(db):
    call_command("seed_demo")
    second = CancerDiagnosis.objects.get(second_primary=True)
    earlier = second.patient.diagnoses.exclude(pk=second.pk).get()
    assert earlier.diagnosed_on < second.diagnosed_on
    assert earlier.cancer_type != second.cancer_type


def test_the_plans_of_patients_whose_cancer_came_back_are_paused_and_discussed(db, client):
    call_command("seed_demo")
    paused = CarePlan.objects.filter(status="paused").select_related("patient")
    assert {plan.patient.medical_record_number for plan in paused} == {"DEMO-0003", "DEMO-0004"}
    for plan in paused:
        assert plan.paused_for_event.status in ("recurrence", "progression")
        assert plan.paused_for_event.discussed_at is not None, "historical: talked through"
        assert plan.review_open
    client.force_login(User.objects.get(username="demo-nurse"))
    home = client.get("/nurse/").content.decode()
    assert home.count("Review the plan of") == 2
    # demo-patient's plan is running: the one a nurse can pause live in the demo.
    assert CarePlan.objects.get(patient__medical_record_number="DEMO-0001").status == "active"


def test_it_has_a_breast_cancer_survivor_whose_curative_treatment_ended_about_two_years_ago(db):
    call_command("seed_demo")
    maria = Patient.objects.get(medical_record_number="DEMO-0001")
    diagnosis = maria.diagnoses.get()
    assert diagnosis.cancer_type == "breast"
    treatments = diagnosis.treatments.all()
    assert all(t.intent == "curative" and t.ended_on for t in treatments)
    ended = max(t.ended_on for t in treatments)
    assert 700 <= (timezone.localdate() - ended).days <= 760


def test_it_dates_everything_relative_to_today(db):
    call_command("seed_demo")
    today = timezone.localdate()
    ends = [t.ended_on for t in Treatment.objects.exclude(ended_on=None)]
    assert max(ends) >= today - timedelta(days=130)
    assert min(e for e in ends if e.year > today.year - 10) <= today - timedelta(days=5 * 365)
    assert max(DiseaseStatusEvent.objects.values_list("event_date", flat=True)) <= today


def test_running_it_twice_changes_nothing(db):
    call_command("seed_demo")
    counts = _counts()
    call_command("seed_demo")
    assert _counts() == counts


def test_it_fills_in_the_history_of_patients_made_by_the_older_seed(db):
    user = User.objects.create_user(username="demo-patient")
    Patient.objects.create(
        medical_record_number="DEMO-0001", given_name="Maria", family_name="Lopez", user=user
    )
    Patient.objects.create(
        medical_record_number="DEMO-0002", given_name="James", family_name="Carter"
    )
    call_command("seed_demo")
    maria = Patient.objects.get(medical_record_number="DEMO-0001")
    assert maria.user == user
    assert maria.primary_nurse.username == "demo-nurse"
    assert maria.diagnoses.count() == 1
    james = Patient.objects.get(medical_record_number="DEMO-0002")
    assert james.user.username == "demo-patient2"
    assert james.diagnoses.get().status_events.exists()


# --- Care plans and their schedules ------------------------------------------------------


def test_it_gives_every_demo_patient_a_plan_for_their_latest_diagnosis(db):
    call_command("seed_demo")
    for patient in Patient.objects.all():
        plan = CarePlan.objects.get(patient=patient)
        assert plan.diagnosis == patient.diagnoses.order_by("-diagnosed_on").first()
        assert plan.owner == patient.primary_nurse
        assert plan.template_version == plan.template.version
        assert plan.visits.exists()
        assert plan.diagnosis.cancer_type in plan.template.cancer_types or (
            plan.template.code == guidelines.GENERAL_TEMPLATE_CODE
        )
    second = CancerDiagnosis.objects.get(second_primary=True)
    assert second.care_plans.exists()
    melanoma = dict(
        CarePlan.objects.filter(diagnosis__cancer_type="melanoma").values_list(
            "diagnosis__stage_group", "template__code"
        )
    )
    assert melanoma == {"IIIB": "melanoma_high", "IIA": "melanoma_low"}


def test_it_counts_a_plan_from_the_end_of_curative_treatment(db):
    call_command("seed_demo")
    maria = Patient.objects.get(medical_record_number="DEMO-0001")
    plan = maria.care_plans.get()
    assert plan.start_date == max(t.ended_on for t in plan.diagnosis.treatments.all())
    # Only palliative treatment: six months after the diagnosis.
    walter = CarePlan.objects.get(patient__medical_record_number="DEMO-0009")
    assert walter.start_date == scheduling.add_months(walter.diagnosis.diagnosed_on, 6)


def test_it_completes_past_items_within_their_window(db):
    call_command("seed_demo")
    today = timezone.localdate()
    completed = FollowUpVisit.objects.filter(status=VisitStatus.COMPLETED)
    assert completed.count() >= 50
    for visit in completed:
        assert visit.window_start <= visit.completed_on <= min(visit.window_end, today)
        assert visit.outcome in Outcome.values
    assert completed.filter(outcome=Outcome.NED).count() > completed.count() / 2
    long_ago = today - timedelta(days=60)
    past = FollowUpVisit.objects.filter(window_end__lt=long_ago)
    assert past.filter(status=VisitStatus.COMPLETED).count() > 0.9 * past.count()


def test_it_leaves_several_items_overdue_in_every_band(db):
    call_command("seed_demo")
    today = timezone.localdate()
    overdue = list(FollowUpVisit.objects.overdue(today))
    days = [visit.days_overdue(today) for visit in overdue]
    assert any(1 <= d <= 30 for d in days)
    assert any(31 <= d <= 90 for d in days)
    assert any(d > 90 for d in days)
    assert len({visit.patient_id for visit in overdue}) >= 3
    assert FollowUpVisit.objects.filter(status=VisitStatus.MISSED).exists()


def test_it_books_upcoming_appointments_including_the_demo_patients_next_ones(db):
    call_command("seed_demo")
    now = timezone.now()
    booked = FollowUpVisit.objects.filter(status=VisitStatus.SCHEDULED).select_related("patient")
    assert booked.count() >= 4
    for visit in booked:
        assert visit.scheduled_at > now
        assert visit.location == "Survivorship Clinic, room 2"
        local = timezone.localtime(visit.scheduled_at, ZoneInfo(visit.patient.time_zone))
        assert (local.hour, local.minute) == (9, 30)
    assert booked.filter(kind="imaging").exists()
    maria = booked.filter(patient__user__username="demo-patient")
    assert maria.filter(scheduled_at__lte=now + timedelta(days=14)).exists()


def test_running_it_twice_keeps_the_plans_and_their_items(db):
    call_command("seed_demo")
    counts = _counts()
    call_command("seed_demo")
    assert _counts() == counts


def test_it_adds_plans_to_a_demo_database_made_before_plans_existed(db):
    call_command("seed_demo")
    CarePlan.objects.all().delete()
    patients = Patient.objects.count()
    call_command("seed_demo")
    assert Patient.objects.count() == patients
    assert CarePlan.objects.count() == patients
    assert FollowUpVisit.objects.filter(status=VisitStatus.COMPLETED).exists()
    assert FollowUpVisit.objects.filter(status=VisitStatus.SCHEDULED).exists()


def _plans_on(today):
    """The demo plans' items as the seed would build them on ``today``, without a database."""
    plans = []
    for person in demo.CASELOAD:
        dx = person.diagnoses[-1]
        ends = [t.ended for t in dx.treatments if t.intent == Intent.CURATIVE and t.ended]
        if ends:
            start = demo._months_ago(today, min(ends))
        else:
            start = scheduling.add_months(demo._months_ago(today, dx.diagnosed), 6)
        diagnosis = CancerDiagnosis(cancer_type=dx.cancer_type, stage_group=dx.stage)
        rules = guidelines.template_by_code(demo._template_code(diagnosis)).rules
        plans.append(
            scheduling.generate_schedule(rules, start, scheduling.horizon_end(start, today))
        )
    return plans


def test_it_fills_every_overdue_band_whatever_the_date():
    first = timezone.localdate()
    for offset in range(0, 366, 3):
        today = first + timedelta(days=offset)
        chosen = demo.choose_overdue(_plans_on(today), today)
        days = [(today - item.window_end).days for item in chosen]
        for low, high, count in demo.OVERDUE_BANDS:
            in_band = [d for d in days if low <= d and (high is None or d <= high)]
            assert len(in_band) == count, (today, low, high, days)


# --- Symptom reports ---------------------------------------------------------------------


def test_it_files_symptom_reports_of_every_level_some_open_some_handled(db):
    call_command("seed_demo")
    reports = SymptomReport.objects.all()
    assert set(reports.values_list("triage_level", flat=True)) == set(TriageLevel.values)
    assert len(set(reports.values_list("patient", flat=True))) >= 6
    assert set(reports.values_list("submission_key", flat=True)) == {
        f"demo-report-{spec.mrn}-{spec.n}" for spec in demo.REPORTS
    }
    for level in (TriageLevel.URGENT, TriageLevel.REVIEW):
        assert reports.filter(triage_level=level, status=ReportStatus.OPEN).exists(), level
    assert reports.filter(status=ReportStatus.ACKNOWLEDGED).exists()
    resolved = reports.filter(status=ReportStatus.RESOLVED)
    assert resolved.filter(triage_level=TriageLevel.URGENT).exists()
    assert resolved.count() >= 5
    for report in resolved:
        assert report.resolution and report.resolution_note
        assert report.resolved_by == report.patient.primary_nurse
        assert report.submitted_at < report.acknowledged_at <= report.resolved_at
    for report in reports.filter(status=ReportStatus.ACKNOWLEDGED):
        assert report.acknowledged_by == report.patient.primary_nurse
        assert report.submitted_at < report.acknowledged_at


def test_it_dates_the_reports_over_the_past_weeks(db):
    call_command("seed_demo")
    now = timezone.now()
    sent = list(SymptomReport.objects.values_list("submitted_at", flat=True))
    assert max(sent) < now
    assert min(sent) < now - timedelta(days=28)
    assert len({timezone.localdate(at) for at in sent}) >= 10


def test_it_puts_an_urgent_report_at_the_top_of_the_demo_nurses_queue(db):
    call_command("seed_demo")
    nurse = User.objects.get(username="demo-nurse")
    queue = list(triage_queue(user=nurse))
    assert queue[0].triage_level == TriageLevel.URGENT
    assert queue[0].patient.primary_nurse == nurse
    assert queue[0].submitted_at > timezone.now() - timedelta(hours=2), "not yet escalated"
    levels = [report.triage_level for report in queue]
    assert TriageLevel.REVIEW in levels and TriageLevel.ROUTINE in levels
    assert triage_queue(user=User.objects.get(username="demo-nurse2")).exists()


def test_it_alerts_the_nurse_only_about_the_urgent_report_still_open(db):
    call_command("seed_demo")
    alerts = Reminder.objects.filter(kind=ReminderKind.NURSE_ALERT)
    urgent = SymptomReport.objects.filter(triage_level=TriageLevel.URGENT)
    assert alerts.count() == urgent.count()
    pending = alerts.get(status=ReminderStatus.PENDING)
    assert f":{urgent.get(status=ReportStatus.OPEN).pk}:" in pending.dedupe_key
    assert set(alerts.exclude(pk=pending.pk).values_list("status", flat=True)) == {
        ReminderStatus.CANCELLED
    }


def test_it_gives_maria_a_worry_and_distress_trend_triaged_against_her_history(db):
    call_command("seed_demo")
    maria = SymptomReport.objects.filter(patient__medical_record_number="DEMO-0001")
    assert maria.count() >= 6
    worry = list(maria.order_by("submitted_at").values_list("worry", flat=True))
    distress = list(maria.order_by("submitted_at").values_list("distress", flat=True))
    assert None not in worry and None not in distress
    assert len(set(worry)) >= 3 and len(set(distress)) >= 3
    assert worry[-1] > worry[0]
    # Each report was triaged with the earlier ones already dated back.
    rules = {rule["rule"] for report in maria for rule in report.triage_fired}
    assert {"worry_rising", "lasting_14_days", "worsening"} <= rules
    latest = maria.order_by("-submitted_at").first()
    assert latest.status == ReportStatus.OPEN
    assert latest.triage_level == TriageLevel.REVIEW


def test_running_it_twice_files_no_report_twice(db):
    call_command("seed_demo")
    counts = _counts()
    assert counts["reports"]
    call_command("seed_demo")
    assert _counts() == counts


def test_it_marks_a_known_sign_and_gives_the_quality_page_an_alert_burden(db):

    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: still one active baseline
    baseline = KnownBaseline.objects.active().get()
    assert baseline.code == "breathless_cough" and baseline.set_by == baseline.patient.primary_nurse
    admin = User.objects.get(is_superuser=True)
    burden = dashboard.alert_burden(admin)
    assert burden["total"] >= 10 and burden["alerted_share"] and burden["top_rules"]


def test_demo_caregiver_helps_demo_patient_with_her_plan_and_reports(db, client):
    call_command("seed_demo")
    caregiver = User.objects.get(username="demo-caregiver")
    (grant,) = caregiver.caregiver_grants.live()
    assert grant.patient.user.username == "demo-patient"
    assert (grant.can_see_plan, grant.can_report, grant.can_see_reports) == (True, True, False)
    client.force_login(caregiver)
    assert "Maria Lopez" in client.get("/care/").content.decode()


def test_it_sends_the_shared_care_letter_of_the_patient_with_a_primary_care_doctor_once(db):
    call_command("seed_demo")
    call_command("seed_demo")
    maria = Patient.objects.get(medical_record_number="DEMO-0001")
    (letter,) = SharedCareLetter.objects.filter(patient=maria)
    assert letter.recipient_email == maria.pcp_email
    assert letter.reminder.kind == ReminderKind.CARE_LETTER
    assert letter.sent_by.username == "demo-nurse"
    # The worker of `make run` delivers it like any message; here, one batch does.
    assert dict(dispatch.send_batch([letter.reminder.pk])) == {"sent": 1}


def test_the_exposed_demo_patient_has_heart_and_breast_checks_with_their_reasons(db, client):
    call_command("seed_demo")
    aisha = Patient.objects.get(medical_record_number="DEMO-0008")
    plan = aisha.care_plans.get(status="active")
    keys = set(plan.visits.values_list("rule_key", flat=True))
    assert {"le_echo", "le_breast_mri"} <= keys
    client.force_login(User.objects.get(username="demo-nurse"))
    page = client.get(f"/nurse/plans/{plan.pk}/").content.decode()
    assert "Because of anthracyclines" in page
    assert "Because of chest radiation" in page
    assert "before age 30" in page


def test_demo_nurse_has_a_quiet_patient_on_her_call_list_and_prompts_name_signs(db):
    call_command("seed_demo")
    call_command("seed_demo")
    nurse = User.objects.get(username="demo-nurse")
    (entry,) = call_list(user=nurse)
    assert entry.patient.medical_record_number == demo.QUIET_PATIENT
    assert entry.missed_in_a_row == 2
    # Only this week's prompts go out; each names signs from the patient's own plan.
    pending = Reminder.objects.filter(kind=ReminderKind.CHECKIN, status=ReminderStatus.PENDING)
    assert pending.filter(patient=entry.patient).count() == 1
    maria = Patient.objects.get(medical_record_number="DEMO-0001")
    prompt = pending.get(patient=maria)
    assert prompt.checkin.watch_signs[0].startswith("breast:")
    text = messages.render(prompt, "email").text
    assert "This week, please watch for:" in text
    assert f"/portal/checkin/{prompt.checkin.pk}/nothing-new/" in text
