"""Issue #11 (app side): what triage is given, the queue's deadlines and baselines,
the nurse's report page."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from followup import tasks
from followup.delivery import dispatch
from followup.models import CarePlanTemplate, Reminder, SymptomReport
from followup.services import plans as services
from followup.services import reports as reporting
from patients.models import Treatment
from tests.followup.test_symptom_reports import file, sign


@pytest.fixture
def plan(helen, diagnosis, nurse):
    return services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=timezone.localdate() - timedelta(days=100),
        owner=nurse,
    )


def test_triage_is_given_the_treatments_active_baselines_free_text_and_window(
    helen, diagnosis, nurse, settings
):
    settings.TRIAGE_FEVER_WINDOW_DAYS = 30
    diagnosis.treatments.all().delete()
    Treatment.objects.create(
        diagnosis=diagnosis, modality="chemotherapy", started_on=date(2026, 1, 10),
        ended_on=date(2026, 6, 5),
    )  # fmt: skip
    Treatment.objects.create(diagnosis=diagnosis, modality="hormone", started_on=date(2026, 7, 1))
    ended = reporting.baseline_set(
        patient=helen, by=nurse, code="fatigue", label="Tiredness", severity="mild"
    )
    reporting.baseline_end(baseline=ended, by=nurse)
    reporting.baseline_set(patient=helen, by=nurse, code="pain", label="Pain", severity="moderate")
    context = reporting.triage_context(helen, other_text="my chest hurts", self_harm=True)
    assert context == {
        "treatments": [
            ("chemotherapy", date(2026, 1, 10), date(2026, 6, 5)),
            ("hormone", date(2026, 7, 1), None),
        ],
        "baselines": [("pain", "moderate")],
        "other_text": "my chest hurts",
        "self_harm": True,
        "fever_window_days": 30,
    }


def test_a_known_sign_no_longer_alerts_unchanged_and_a_worse_one_does(client, helen, nurse, plan):
    same = [sign("pain", "moderate", trend="same", days=60, label="Pain")]
    assert file(helen, same).triage_level == "review"
    client.force_login(nurse)
    client.post(
        f"/nurse/patients/{helen.pk}/baselines/",
        {"sign": "pain", "severity": "moderate", "note": "Scar pain"},
    )
    assert file(helen, same).triage_level == "routine"
    worse = [sign("pain", "severe", trend="worse", days=60, label="Pain")]
    assert file(helen, worse).triage_level != "routine"


def test_the_queue_shows_the_review_deadline_and_when_it_is_missed(client, helen, nurse, plan):
    fresh = file(helen, [sign("pain", "moderate")])
    assert fresh.triage_level == "review"
    client.force_login(nurse)
    page = client.get("/nurse/reports/").content.decode()
    assert 'data-testid="review-due"' in page and "deadline missed" not in page
    SymptomReport.objects.filter(pk=fresh.pk).update(
        submitted_at=timezone.now() - timedelta(days=10)
    )
    assert "deadline missed" in client.get("/nurse/reports/").content.decode()


def test_the_queue_shows_the_patients_known_signs(client, helen, nurse, plan):
    file(helen, [sign("pain", "mild")])
    reporting.baseline_set(
        patient=helen, by=nurse, code="lymphoedema", label="Swelling of the arm", severity="mild"
    )
    client.force_login(nurse)
    page = client.get("/nurse/reports/").content.decode()
    assert "Known for this patient: Swelling of the arm (usually mild)" in page


def test_a_review_past_its_deadline_escalates_once_to_the_team_and_admins(
    helen, nurse, nurse2, administrator, plan
):
    helen.care_team.add(nurse2)
    report = file(helen, [sign("pain", "moderate")])
    assert reporting.reviews_escalate_missed() == 0  # not due yet
    SymptomReport.objects.filter(pk=report.pk).update(
        submitted_at=timezone.now() - timedelta(days=10)
    )
    assert tasks.escalate_urgent_reports() == 1  # the periodic task runs both
    assert reporting.reviews_escalate_missed() == 0
    told = set(
        Reminder.objects.filter(dedupe_key__startswith="alert:review-late").values_list(
            "recipient_user__username", flat=True
        )
    )
    assert told == {nurse.username, nurse2.username, administrator.username}


def test_a_resolved_review_does_not_escalate(helen, nurse, plan):
    report = file(helen, [sign("pain", "moderate")], minutes_ago=60 * 24 * 10)
    reporting.report_resolve(report=report, by=nurse, action="no_action", note="Called, fine")
    assert reporting.reviews_escalate_missed() == 0


def test_the_report_page_gives_reasons_in_words_and_the_phone_as_a_link(client, helen, nurse, plan):
    helen.mobile_phone = "+1 555 0123"
    helen.save()
    report = file(helen, [sign("pain", "severe", label="Pain")])
    client.force_login(nurse)
    page = client.get(f"/nurse/reports/{report.pk}/").content.decode()
    assert report.triage_rule and report.triage_rule not in page  # no rule id
    assert report.triage_fired[0]["reason"] in page
    assert 'href="tel:+15550123"' in page and "Urgent" in page


def _closed_today(settings):
    settings.CLINIC_HOLIDAYS = [timezone.localdate(timezone.now()).isoformat()]
    settings.CLINIC_TIME_ZONE = "UTC"


def test_an_urgent_report_out_of_hours_alerts_the_on_call_contact_by_email_and_sms(
    helen, nurse, plan, settings, mailoutbox
):

    _closed_today(settings)
    settings.ON_CALL_EMAIL = "oncall@clinic.example"
    settings.ON_CALL_PHONE = "+15550199"
    file(helen, [sign("pain", "severe")])
    on_call = Reminder.objects.filter(dedupe_key__startswith="oncall:")
    assert sorted(on_call.values_list("channel", flat=True)) == ["email", "sms"]
    assert all(r.patient_id is None for r in on_call)  # names nobody
    results = dispatch.send_batch(list(on_call.values_list("pk", flat=True)))
    assert results["sent"] == 2, results
    email = next(m for m in mailoutbox if m.to == ["oncall@clinic.example"])
    assert email.subject == "Urgent symptom report out of hours"
    assert "Helen" not in email.body and "/nurse/reports/" in email.body


def test_no_on_call_alert_in_clinic_hours_or_when_none_is_configured(helen, nurse, plan, settings):
    settings.ON_CALL_EMAIL = "oncall@clinic.example"
    settings.CLINIC_HOURS, settings.CLINIC_DAYS, settings.CLINIC_HOLIDAYS = (
        "00:00-23:59", "mon-sun", [],
    )  # fmt: skip
    file(helen, [sign("pain", "severe")], minutes_ago=0)
    if reporting.clinic_is_open(timezone.now()):
        assert not Reminder.objects.filter(dedupe_key__startswith="oncall:").exists()
    Reminder.objects.all().delete()
    _closed_today(settings)
    settings.ON_CALL_EMAIL = settings.ON_CALL_PHONE = ""
    file(helen, [sign("pain", "severe")])
    assert not Reminder.objects.filter(dedupe_key__startswith="oncall:").exists()


def test_a_nurse_who_chose_sms_gets_urgent_alerts_by_email_and_sms(client, helen, nurse, plan):

    client.force_login(nurse)
    bad = client.post("/nurse/alerts/", {"sms_phone": "0123"})
    assert "international form" in bad.content.decode()
    response = client.post("/nurse/alerts/", {"sms_phone": "+15550177"}, follow=True)
    assert "email and SMS" in response.content.decode()
    file(helen, [sign("pain", "severe")])
    alerts = Reminder.objects.filter(kind="nurse_alert", recipient_user=nurse)
    assert sorted(alerts.values_list("channel", flat=True)) == ["email", "sms"]
    sms = alerts.get(channel="sms")
    assert dispatch.send_batch([sms.pk])["sent"] == 1
    sms.refresh_from_db()
    assert sms.status == "sent" and sms.channel == "sms"


def test_a_nurse_without_sms_gets_email_only(client, helen, nurse, plan):
    client.force_login(nurse)
    client.post("/nurse/alerts/", {"sms_phone": ""})
    file(helen, [sign("pain", "severe")])
    alerts = Reminder.objects.filter(kind="nurse_alert", recipient_user=nurse)
    assert list(alerts.values_list("channel", flat=True)) == ["email"]
