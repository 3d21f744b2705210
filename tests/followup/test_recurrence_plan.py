"""Issue 19: recording a return of disease asks what the plan does next; a paused plan
stops its routine reminders, leaves the overdue counts, keeps its check-ins, and gives
its nurse a review task until it is resumed, replaced or ended."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from followup.delivery import dispatch
from followup.models import (
    CarePlan,
    CheckIn,
    FollowUpVisit,
    PlanStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
    VisitStatus,
)
from followup.selectors import dashboard
from followup.selectors import recurrence as recurrence_selectors
from followup.services import plans as services
from followup.services import recurrence, reminders
from patients.models import DiseaseStatusEvent, Treatment
from tests.followup.test_query_counts import add_patients
from tests.support.factories import make_patient_user
from tests.support.queries import warm_count

TODAY = timezone.localdate()


def overdue_please_book(visit):
    """An overdue item with a pending "please book" reminder, as the dashboard sends."""
    FollowUpVisit.objects.filter(pk=visit.pk).update(
        window_start=TODAY - timedelta(days=60),
        due_date=TODAY - timedelta(days=40),
        window_end=TODAY - timedelta(days=20),
    )
    return Reminder.objects.create(
        kind=ReminderKind.OVERDUE,
        channel="email",
        patient=visit.patient,
        visit=visit,
        send_at=timezone.now() + timedelta(hours=1),
        dedupe_key=f"overdue:{visit.pk}:test",
    )


def book(visit, days=10):
    return services.visit_schedule(
        visit=visit, at=timezone.now() + timedelta(days=days), location="Clinic A"
    )


def record_return(client, diagnosis, **plan_fields):
    data = {
        "event_date": f"{TODAY - timedelta(days=30):%Y-%m-%d}",
        "reported_status": "return",
        "recurrence_type": "distant",
        "site": "bone",
        "restage": "rIV",
        "plan-plan_action": "pause",
        "plan-checkin_frequency": "default",
        **{f"plan-{key}": value for key, value in plan_fields.items()},
    }
    return client.post(f"/nurse/diagnoses/{diagnosis.pk}/status/new/", data)


@pytest.fixture
def setup(plan, nurse):
    helen = plan.patient
    helen.reminder_consent_at = timezone.now()
    helen.email = "helen@example.org"
    helen.save()
    unbooked, kept, cancelled = plan.visits.filter(status=VisitStatus.PLANNED).order_by("due_date")[
        :3
    ]
    prompt = overdue_please_book(unbooked)
    book(kept, 10)
    book(cancelled, 20)
    return plan, unbooked, kept, cancelled, prompt


def test_the_status_page_asks_what_happens_to_the_plan_pause_by_default(
    client,
    nurse,
    setup,
):
    plan, _unbooked, kept, cancelled, _prompt = setup
    client.force_login(nurse)
    page = client.get(f"/nurse/diagnoses/{plan.diagnosis_id}/status/new/").content.decode()
    assert "The care plan, if the disease has come back" in page
    radios = re.findall(r'<input[^>]*name="plan-plan_action"[^>]*>', page)
    assert [" checked" in radio for radio in radios] == [True, False, False], radios
    assert 'value="pause"' in radios[0]
    assert f'name="plan-cancel_{kept.pk}"' in page and f'name="plan-cancel_{cancelled.pk}"' in page


def test_recording_a_recurrence_pauses_the_plan_stops_routine_reminders_and_leaves_counts(
    client, nurse, administrator, setup
):
    plan, unbooked, kept, cancelled, prompt = setup
    before = dashboard.overdue(administrator).count()
    assert before >= 1
    client.force_login(nurse)
    response = record_return(client, plan.diagnosis, **{f"cancel_{cancelled.pk}": "cancel"})
    assert response.status_code == 302, response.content.decode()[:3000]
    plan.refresh_from_db()
    event = DiseaseStatusEvent.objects.get(status="recurrence")
    assert plan.status == PlanStatus.PAUSED and plan.paused_for_event == event
    assert plan.pause_reason == (
        f"Distant recurrence of breast cancer, recorded on {event.event_date:%Y-%m-%d}"
    )
    assert plan.review_due_on == TODAY + timedelta(days=7)
    prompt.refresh_from_db()
    assert prompt.status == ReminderStatus.CANCELLED
    cancelled.refresh_from_db()
    kept.refresh_from_db()
    assert cancelled.status == VisitStatus.CANCELLED
    assert not cancelled.reminders.filter(status=ReminderStatus.PENDING).exists()
    assert kept.status == VisitStatus.SCHEDULED
    assert kept.reminders.filter(status=ReminderStatus.PENDING).exists(), "kept: still reminded"
    # The overdue counts are of active plans: this plan's items left them.
    assert dashboard.overdue(administrator).count() == before - 1
    followed = client.get(response["Location"]).content.decode()
    assert "The care plan is paused" in followed
    # The nurse's task.
    home = client.get("/nurse/").content.decode()
    assert f"Review the plan of {plan.patient.full_name}" in home
    # The dashboard shows it as paused for a return of disease.
    client.force_login(administrator)
    assert "paused: return of disease" in client.get("/dashboard/").content.decode()


def test_check_ins_go_on_while_the_plan_is_paused(nurse, setup):
    plan = setup[0]
    recurrence.plan_pause(plan=plan, by=nurse, reason="Recurrence recorded")
    CheckIn.objects.filter(plan=plan).delete()
    assert reminders.checkins_open_due() == 1


def test_keep_leaves_the_plan_running_and_may_change_check_ins(client, nurse, setup):
    plan = setup[0]
    client.force_login(nurse)
    response = record_return(client, plan.diagnosis, plan_action="keep", checkin_frequency="weekly")
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and plan.checkin_frequency == "weekly"


def test_end_ends_the_plan_and_keeps_it_read_only(client, nurse, setup):
    plan = setup[0]
    client.force_login(nurse)
    assert record_return(client, plan.diagnosis, plan_action="end").status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED and plan.ended_at is not None
    with pytest.raises(ValidationError, match="kept in the patient's history"):
        services.careplan_update(
            plan=plan,
            start_date=plan.start_date,
            template=plan.template,
            owner=nurse,
            checkin_frequency="default",
        )
    with pytest.raises(ValidationError, match="cannot be resumed"):
        recurrence.plan_resume(plan=plan, by=nurse)


def test_a_status_that_is_not_a_return_leaves_the_plan_alone(client, nurse, setup):
    plan = setup[0]
    client.force_login(nurse)
    response = client.post(
        f"/nurse/diagnoses/{plan.diagnosis_id}/status/new/",
        {
            "event_date": f"{TODAY:%Y-%m-%d}",
            "reported_status": "ned",
            "plan-plan_action": "pause",
            "plan-checkin_frequency": "default",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE


def test_a_bad_plan_choice_keeps_what_was_typed_and_records_nothing(client, nurse, setup):
    plan = setup[0]
    client.force_login(nurse)
    response = record_return(client, plan.diagnosis, plan_action="explode")
    assert response.status_code == 400
    assert not DiseaseStatusEvent.objects.filter(status="recurrence").exists()
    assert 'value="bone"' in response.content.decode()


def test_pausing_twice_or_resuming_an_active_plan_explains_itself(nurse, setup):
    plan = setup[0]
    recurrence.plan_pause(plan=plan, by=nurse, reason="Recurrence recorded")
    with pytest.raises(ValidationError, match="already paused, since"):
        recurrence.plan_pause(plan=plan, by=nurse, reason="Again")
    recurrence.plan_resume(plan=plan, by=nurse)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and plan.reviewed_at is not None
    with pytest.raises(ValidationError, match="not paused"):
        recurrence.plan_resume(plan=plan, by=nurse)


def test_only_the_care_team_changes_the_plan(nurse2, setup):
    with pytest.raises(PermissionDenied):
        recurrence.plan_pause(plan=setup[0], by=nurse2, reason="x")


def test_a_please_book_reminder_of_a_paused_plan_is_not_sent(nurse, setup):
    plan, unbooked, *_ = setup
    recurrence.plan_pause(plan=plan, by=nurse, reason="Recurrence recorded")
    late = Reminder.objects.create(
        kind=ReminderKind.OVERDUE,
        channel="email",
        patient=plan.patient,
        visit=unbooked,
        send_at=timezone.now() - timedelta(minutes=1),
        dedupe_key="overdue:late",
    )
    assert dict(dispatch.send_batch([late.pk])) == {"cancelled": 1}
    late.refresh_from_db()
    assert late.skip_reason == "the care plan is paused"
    with pytest.raises(ValidationError, match="the care plan is paused"):
        services.visit_remind_now(visit=FollowUpVisit.objects.get(pk=unbooked.pk))


def test_back_to_ned_offers_a_new_plan_from_the_new_end_of_treatment(client, nurse, setup):
    plan = setup[0]
    client.force_login(nurse)
    record_return(client, plan.diagnosis)
    plan.refresh_from_db()
    assert recurrence.new_start_date(plan) is None
    page = client.get(f"/nurse/plans/{plan.pk}/status/").content.decode()
    assert "Start the new plan" not in page
    ended = TODAY - timedelta(days=3)
    Treatment.objects.create(
        diagnosis=plan.diagnosis,
        modality="radiation",
        started_on=TODAY - timedelta(days=20),
        ended_on=ended,
    )
    DiseaseStatusEvent.objects.create(diagnosis=plan.diagnosis, event_date=TODAY, status="ned")
    assert recurrence.new_start_date(plan) == ended
    page = client.get(f"/nurse/plans/{plan.pk}/status/").content.decode()
    assert "Start the new plan" in page and f'value="{ended:%Y-%m-%d}"' in page
    response = client.post(
        f"/nurse/plans/{plan.pk}/status/", {"action": "replace", "start_date": f"{ended:%Y-%m-%d}"}
    )
    new = CarePlan.objects.get(diagnosis=plan.diagnosis, status=PlanStatus.ACTIVE)
    assert response["Location"] == f"/nurse/plans/{new.pk}/"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED and plan.replaced_by == new
    assert new.start_date == ended and new.visits.exists()
    old_page = client.get(f"/nurse/plans/{plan.pk}/").content.decode()
    assert "read-only" in old_page and "Edit plan" not in old_page
    new_page = client.get(f"/nurse/plans/{new.pk}/").content.decode()
    assert "restaged rIV" in new_page


def test_ending_asks_for_a_confirmation_and_a_pause_needs_a_reason(client, nurse, setup):
    plan = setup[0]
    client.force_login(nurse)
    url = f"/nurse/plans/{plan.pk}/status/"
    response = client.post(url, {"action": "end"})
    assert response.status_code == 400 and "cannot be resumed" in response.content.decode()
    response = client.post(url, {"action": "pause", "reason": " "})
    assert response.status_code == 400 and "Say why the plan is paused" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE


def test_the_status_page_by_role(client, nurse, nurse2, administrator, setup):
    plan = setup[0]
    url = f"/nurse/plans/{plan.pk}/status/"
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(make_patient_user("pat-x", "MRN-X1", "Pat", "Ex"))
    assert client.get(url).status_code == 403
    client.force_login(nurse2)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "pause", "reason": "x"}).status_code == 404
    client.force_login(nurse)
    assert client.get(url).status_code == 200


def test_review_times_on_the_quality_page(client, nurse, administrator, setup):
    plan = setup[0]
    client.force_login(nurse)
    record_return(client, plan.diagnosis)
    CarePlan.objects.filter(pk=plan.pk).update(review_due_on=TODAY - timedelta(days=1))
    result = recurrence_selectors.plan_review_times(administrator)
    assert (result["reviews"], result["open"], result["breaches"]) == (1, 1, 1)
    plan.refresh_from_db()
    recurrence.plan_resume(plan=plan, by=nurse)
    result = recurrence_selectors.plan_review_times(administrator)
    assert result["reviewed"] == 1 and result["breaches"] == 1 and result["median_days"] == 0
    client.force_login(administrator)
    page = client.get("/dashboard/quality/").content.decode()
    assert 'data-testid="plan-review-times"' in page


def test_the_review_list_does_not_grow_with_the_plans(client, nurse, setup):
    plan = setup[0]
    client.force_login(nurse)
    others = add_patients(nurse, 3, 0)
    recurrence.plan_pause(plan=plan, by=nurse, reason="Recurrence recorded")
    one = warm_count(client, "/nurse/")
    for other in others:
        recurrence.plan_pause(plan=other, by=nurse, reason="Recurrence recorded")
    assert warm_count(client, "/nurse/") == one
    page = client.get("/nurse/").content.decode()
    assert page.count("Review the plan of") == 4


def test_the_plan_document_shows_the_restaging_once_it_was_discussed(client, nurse, setup):
    plan = setup[0]
    client.force_login(nurse)
    record_return(client, plan.diagnosis, plan_action="keep")
    document = client.get(f"/nurse/plans/{plan.pk}/print/").content.decode()
    assert "Stage at diagnosis" in document
    assert "restaged rIV" not in document, "the document goes to the patient too"
    event = DiseaseStatusEvent.objects.get(status="recurrence")
    client.post(f"/nurse/status/{event.pk}/discussed/", {"confirm": "yes"})
    document = client.get(f"/nurse/plans/{plan.pk}/print/").content.decode()
    assert "restaged rIV on" in document


def test_adding_a_second_primary_asks_about_the_other_plans_which_carry_on_by_default(
    client, nurse, setup
):
    plan = setup[0]
    client.force_login(nurse)
    url = f"/nurse/patients/{plan.patient_id}/diagnoses/new/"
    page = client.get(url).content.decode()
    assert "If this is a second primary cancer: the other care plans" in page
    data = {"cancer_type": "lung", "diagnosed_on": f"{TODAY:%Y-%m-%d}", "second_primary": "on"}
    response = client.post(url, data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE, "carries on unless the nurse pauses it"
    response = client.post(
        url, {**data, "cancer_type": "colorectal", f"others-plan_{plan.pk}": "pause"}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PAUSED
    assert plan.pause_reason.startswith("Second primary: colorectal cancer")
    assert plan.paused_for_event is None


def test_a_diagnosis_that_is_not_a_second_primary_leaves_the_plans_alone(client, nurse, setup):
    plan = setup[0]
    client.force_login(nurse)
    response = client.post(
        f"/nurse/patients/{plan.patient_id}/diagnoses/new/",
        {
            "cancer_type": "lung",
            "diagnosed_on": f"{TODAY:%Y-%m-%d}",
            f"others-plan_{plan.pk}": "pause",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE


def test_a_nurse_outside_the_care_team_records_the_status_but_leaves_the_plan(nurse2, setup):
    plan = setup[0]
    event = DiseaseStatusEvent.objects.create(
        diagnosis=plan.diagnosis, event_date=TODAY, status="recurrence"
    )
    note = recurrence.status_event_plan_apply(event=event, by=nurse2, action=recurrence.PAUSE)
    assert note == recurrence.NOT_ON_TEAM
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE


def test_the_dashboard_lists_paused_plans_in_the_same_queries_for_one_or_four(
    client, nurse, administrator, setup
):
    plan = setup[0]
    others = add_patients(nurse, 3, 0)
    recurrence.plan_pause(plan=plan, by=nurse, reason="Recurrence recorded")
    client.force_login(administrator)
    one = warm_count(client, "/dashboard/")
    for other in others:
        recurrence.plan_pause(plan=other, by=nurse, reason="Recurrence recorded")
    assert warm_count(client, "/dashboard/") == one
    page = client.get("/dashboard/").content.decode()
    assert page.count('href="/nurse/plans/') >= 4 and "4 plans paused" in page


def test_a_bad_answer_about_the_other_plans_records_nothing(client, nurse, setup):
    plan = setup[0]
    client.force_login(nurse)
    response = client.post(
        f"/nurse/patients/{plan.patient_id}/diagnoses/new/",
        {
            "cancer_type": "lung",
            "diagnosed_on": f"{TODAY:%Y-%m-%d}",
            "second_primary": "on",
            f"others-plan_{plan.pk}": "explode",
        },
    )
    assert response.status_code == 400
    assert not plan.patient.diagnoses.filter(cancer_type="lung").exists()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
