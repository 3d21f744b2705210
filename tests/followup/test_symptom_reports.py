"""Patients report symptoms; triage puts what matters in front of the nurse."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from followup.models import (
    CarePlanTemplate,
    CheckIn,
    FollowUpVisit,
    Reminder,
    ReportedSign,
    SymptomReport,
)
from followup.services import plans as services
from followup.services import reminders
from followup.services import reports as reporting
from tests.support.factories import make_patient
from tests.support.queries import permission_queries, warm_count


@pytest.fixture
def plan(helen, diagnosis, nurse):
    return services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=timezone.localdate() - timedelta(days=100),
        owner=nurse,
    )


@pytest.fixture
def helen_user(helen, django_user_model):
    user = django_user_model.objects.create_user("helen-portal", password="x")
    helen.user = user
    helen.save()
    return user


def form_key(client, url="/portal/report/"):
    return client.get(url).context["form"].initial["submission_key"]


def post_report(client, url="/portal/report/", **fields):
    data = {"submission_key": form_key(client, url), **fields}
    return client.post(url, data)


def test_it_lists_the_general_and_the_plans_own_warning_signs_in_plain_words(
    client, helen_user, plan
):
    client.force_login(helen_user)
    form = client.get("/portal/report/").context["form"]
    labels = [sign.label for sign in form.signs]
    assert len(labels) == 11 + len(plan.warning_signs_snapshot)
    assert any("lump" in label.lower() for label in labels)
    assert labels[-1] == plan.warning_signs_snapshot[-1]


def test_it_tells_the_patient_to_call_now_after_a_severe_sign_and_alerts_the_nurse(
    client, helen_user, plan, nurse, django_capture_on_commit_callbacks
):
    client.force_login(helen_user)
    with django_capture_on_commit_callbacks(execute=False):
        response = post_report(
            client, sign_pain="on", severity_pain="severe", days_pain="3", trend_pain="new"
        )
    report = SymptomReport.objects.get()
    assert response["Location"] == f"/portal/reports/{report.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Please call your care team now" in page
    assert "+1 555 0100" in page and "emergency" in page
    assert "recurrence" not in page.lower() and "cancer" not in page.lower()  # no diagnosis
    assert report.triage_level == "urgent" and report.triage_rule == "severe_sign"
    alert = Reminder.objects.get(kind="nurse_alert")
    assert alert.recipient_user == nurse and alert.status == "pending"
    # It shows in the patient's history at once.
    assert "waiting for your nurse" in client.get("/portal/").content.decode()


def test_it_says_when_the_team_will_look_at_a_report_that_can_wait(client, helen_user, plan):
    client.force_login(helen_user)
    response = post_report(
        client, sign_pain="on", severity_pain="mild", days_pain="2", trend_pain="new"
    )
    page = client.get(response["Location"]).content.decode()
    assert "call your care team now" not in page
    assert "Thank you, Helen" in page
    assert SymptomReport.objects.get().triage_level == "routine"


def test_it_explains_every_missing_answer_next_to_the_sign(client, helen_user, plan):
    client.force_login(helen_user)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = post_report(client, sign_pain="on", since_pain=tomorrow)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Please say how bad it is." in page
    assert "Please say if it is new, the same or worse." in page
    assert "This date is in the future." in page
    assert not SymptomReport.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello\x00world", "Null characters are not allowed"),
        ("x" * 2001, "keep it to 2000 characters or fewer"),
    ],
)
def test_it_refuses_a_nul_byte_or_an_oversized_text_with_a_form_error(
    client, helen_user, plan, text, message
):
    client.force_login(helen_user)
    response = post_report(client, other_text=text)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_it_accepts_any_language_and_emoji_and_always_shows_text_escaped(
    client, helen_user, plan, nurse
):
    client.force_login(helen_user)
    text = "Me duele 😟 <script>alert('x')</script> 背中"
    response = post_report(client, other_text=text)
    report = SymptomReport.objects.get()
    assert report.other_text == text
    for page in (
        client.get(response["Location"]).content.decode(),
        _as(client, nurse).get(f"/nurse/reports/{report.pk}/").content.decode(),
    ):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
        assert "😟" in page and "背中" in page


def _as(client, user):
    client.force_login(user)
    return client


def test_it_creates_one_report_from_a_double_submit(client, helen_user, plan):
    client.force_login(helen_user)
    key = form_key(client)
    data = {"submission_key": key, "sign_pain": "on", "severity_pain": "mild", "trend_pain": "new"}
    first = client.post("/portal/report/", data)
    second = client.post("/portal/report/", data)
    assert first["Location"] == second["Location"]
    assert SymptomReport.objects.count() == 1 and ReportedSign.objects.count() == 1


def test_it_answers_a_check_in_in_one_click_with_nothing_new(client, helen_user, plan):
    checkin = reminders.checkin_open(plan, timezone.localdate())
    client.force_login(helen_user)
    home = client.get("/portal/").content.decode()
    assert "Your check-in is due" in home and f"/portal/checkin/{checkin.pk}/" in home
    key = form_key(client, f"/portal/checkin/{checkin.pk}/")
    response = client.post(
        f"/portal/checkin/{checkin.pk}/", {"submission_key": key, "nothing_new": "1"}
    )
    report = SymptomReport.objects.get()
    assert response["Location"] == f"/portal/reports/{report.pk}/"
    assert report.nothing_new and report.checkin == checkin and report.triage_level == "routine"
    checkin.refresh_from_db()
    assert checkin.status == "answered"
    assert "Your check-in is due" not in client.get("/portal/").content.decode()


def test_it_reminds_an_unanswered_check_in_once(plan):
    checkin = reminders.checkin_open(plan, timezone.localdate() - timedelta(days=4))
    assert reporting.checkins_remind_unanswered() == 1
    assert reporting.checkins_remind_unanswered() == 0
    assert Reminder.objects.filter(checkin=checkin).count() == 2  # the prompt and one reminder


def test_it_shows_the_nurse_two_missed_check_ins_in_a_row(client, nurse, plan, helen):
    today = timezone.localdate()
    reminders.checkin_open(plan, today - timedelta(days=14))
    reminders.checkin_open(plan, today - timedelta(days=7))
    reminders.checkin_open(plan, today)  # the two before are now missed
    assert list(CheckIn.objects.filter(status="missed").values_list("due_on", flat=True))
    client.force_login(nurse)
    page = client.get("/nurse/reports/").content.decode()
    assert "Missed two check-ins in a row" in page and "Helen Marsh" in page


def test_it_never_lets_a_patient_answer_or_see_someone_elses_check_in_or_report(
    client, helen_user, plan, patient_user
):
    checkin = reminders.checkin_open(plan, timezone.localdate())
    client.force_login(helen_user)
    response = post_report(client, sign_pain="on", severity_pain="mild", trend_pain="new")
    report_url = response["Location"]
    client.force_login(patient_user)
    assert client.get(f"/portal/checkin/{checkin.pk}/").status_code == 404
    assert client.post(f"/portal/checkin/{checkin.pk}/", {"nothing_new": "1"}).status_code == 404
    assert client.get(report_url).status_code == 404
    # A key reused from someone else's form never attaches a report to them.
    key = SymptomReport.objects.get().submission_key
    with pytest.raises(PermissionError):
        reporting.report_submit(patient=patient_user.patient, submission_key=key, signs=[])


# --- The nurse's queue ---------------------------------------------------------------------


def file(patient, level_signs, minutes_ago=0, worry=None):
    submitted = reporting.report_submit(
        patient=patient,
        submission_key=f"k{SymptomReport.objects.count()}-{patient.pk}",
        signs=level_signs,
        worry=worry,
    )
    SymptomReport.objects.filter(pk=submitted.report.pk).update(
        submitted_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return submitted.report


def sign(code, severity, trend="new", days=None, label=None):
    return {
        "code": code,
        "label": label or code,
        "severity": severity,
        "trend": trend,
        "days": days,
    }


def test_it_puts_urgent_reports_first_then_the_longest_waiting(client, nurse, helen, plan):
    routine_old = file(helen, [sign("pain", "mild")], minutes_ago=300)
    review = file(helen, [sign("pain", "moderate")], minutes_ago=200)
    urgent_new = file(helen, [sign("blood_stool_urine", "mild")], minutes_ago=5)
    urgent_old = file(helen, [sign("pain", "severe")], minutes_ago=60)
    client.force_login(nurse)
    queue = list(client.get("/nurse/reports/").context["page"].object_list)
    assert [r.pk for r in queue] == [urgent_old.pk, urgent_new.pk, review.pk, routine_old.pk]
    page = client.get("/nurse/").content.decode()
    assert "Symptom reports to triage" in page and "Why:" in page


def test_it_acknowledges_then_resolves_by_booking_a_visit(client, nurse, helen, plan):
    report = file(helen, [sign("pain", "severe")])
    client.force_login(nurse)
    client.post(f"/nurse/reports/{report.pk}/acknowledge/")
    report.refresh_from_db()
    assert report.status == "acknowledged" and report.acknowledged_by == nurse
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(
        f"/nurse/reports/{report.pk}/resolve/",
        {"action": "booked_visit", "note": "Seen Friday", "visit_kind": "visit",
         "visit_label": "Clinic visit", "visit_due": due},
    )  # fmt: skip
    assert response["Location"] == "/nurse/reports/"
    report.refresh_from_db()
    assert report.status == "resolved" and report.resolution == "booked_visit"
    assert FollowUpVisit.objects.filter(plan=plan, label="Clinic visit", rule_key="").exists()
    assert not client.get("/nurse/reports/").context["page"].object_list


def test_it_asks_for_the_details_of_a_booked_visit_and_a_note_for_no_action(
    client, nurse, helen, plan
):
    report = file(helen, [sign("pain", "moderate")])
    client.force_login(nurse)
    booked = client.post(f"/nurse/reports/{report.pk}/resolve/", {"action": "booked_visit"})
    assert "Give the date of the visit." in booked.content.decode()
    none = client.post(f"/nurse/reports/{report.pk}/resolve/", {"action": "no_action"})
    assert "Please note why no action is needed." in none.content.decode()
    report.refresh_from_db()
    assert report.status == "open"


def test_it_escalates_an_urgent_report_nobody_acknowledged_in_time(
    nurse, nurse2, administrator, helen, plan, settings
):
    helen.care_team.add(nurse2)
    report = file(helen, [sign("pain", "severe")])
    assert reporting.urgent_reports_escalate() == 0  # not late yet
    SymptomReport.objects.filter(pk=report.pk).update(
        submitted_at=timezone.now() - settings.URGENT_ACK_TIMEOUT - timedelta(minutes=1)
    )
    assert reporting.urgent_reports_escalate() == 1
    assert reporting.urgent_reports_escalate() == 0
    escalated = set(
        Reminder.objects.filter(dedupe_key__startswith="alert:escalation").values_list(
            "recipient_user__username", flat=True
        )
    )
    assert escalated == {nurse2.username, administrator.username}


def test_it_does_not_escalate_an_acknowledged_report(nurse, helen, plan, settings):
    report = file(helen, [sign("pain", "severe")], minutes_ago=60 * 5)
    reporting.report_acknowledge(report=report, by=nurse)
    assert reporting.urgent_reports_escalate() == 0


def test_it_hides_other_caseloads_reports_from_a_nurse(client, nurse2, helen, plan):
    report = file(helen, [sign("pain", "severe")])
    client.force_login(nurse2)
    assert client.get(f"/nurse/reports/{report.pk}/").status_code == 404
    assert client.post(f"/nurse/reports/{report.pk}/acknowledge/").status_code == 404
    assert not client.get("/nurse/reports/").context["page"].object_list


@pytest.mark.parametrize("count", [5, 200])
def test_it_shows_the_queue_in_a_constant_number_of_queries(
    client, nurse, helen, plan, count, django_assert_num_queries
):
    reports = SymptomReport.objects.bulk_create(
        SymptomReport(
            patient=helen,
            submission_key=f"bulk-{i}",
            triage_level=["urgent", "review", "routine"][i % 3],
            triage_rule="x",
            triage_reason="x",
        )  # fmt: skip
        for i in range(count)
    )
    ReportedSign.objects.bulk_create(
        ReportedSign(report=r, code="pain", label="Pain", severity="mild", trend="new")
        for r in reports
    )
    client.force_login(nurse)
    # session, user with roles, two-factor devices (2), count, page, signs prefetch,
    # known baselines prefetch, missed check-ins, access-log insert
    assert warm_count(client, "/nurse/reports/") == 10 + permission_queries()


@pytest.mark.parametrize("count", [5, 200])
def test_it_shows_the_portal_home_in_a_constant_number_of_queries(
    client, helen_user, helen, plan, count, django_assert_num_queries
):
    reports = SymptomReport.objects.bulk_create(
        SymptomReport(
            patient=helen,
            submission_key=f"p-{i}",
            triage_level="routine",
            triage_rule="x",
            triage_reason="x",
        )  # fmt: skip
        for i in range(count)
    )
    ReportedSign.objects.bulk_create(
        ReportedSign(report=r, code="pain", label="Pain", severity="mild", trend="new")
        for r in reports
    )
    client.force_login(helen_user)
    # session, user with roles, two-factor devices (2), patient, next visits, open
    # check-in, reports, their signs, diagnoses, treatments, a return of disease
    # discussed with the patient (issue 19), the access-log entry
    assert warm_count(client, "/portal/") == 13 + permission_queries()


def test_it_keeps_a_second_patient_out_of_the_first_ones_queue_entries(client, nurse, plan):
    other = make_patient(nurse, "MRN-55", "Iris", "Other")
    file(other, [sign("pain", "severe")])
    client.force_login(nurse)
    assert "Iris Other" in client.get("/nurse/reports/").content.decode()
    assert mail.outbox == []
