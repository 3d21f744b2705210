"""Care plans from the nurse's side: create in two steps, regenerate, run the schedule."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from followup.models import CarePlan, CarePlanTemplate, FollowUpVisit, VisitStatus
from followup.rules import guidelines
from followup.services import plans as services
from patients.models import CancerDiagnosis, Treatment
from tests.support.factories import make_patient
from tests.support.queries import permission_queries, warm_count

TODAY = timezone.localdate()


@pytest.fixture
def breast():
    return CarePlanTemplate.objects.get(code="breast")


@pytest.fixture
def two_years_out(diagnosis):
    """Helen's treatment ended two years ago: the usual demo situation."""
    Treatment.objects.filter(diagnosis=diagnosis).update(ended_on=TODAY - timedelta(days=730))
    return TODAY - timedelta(days=730)


@pytest.fixture
def plan(diagnosis, breast, nurse, two_years_out):
    return services.careplan_create(
        diagnosis=diagnosis, template=breast, start_date=two_years_out, owner=nurse
    )


def test_it_previews_the_schedule_before_creating_the_plan(client, nurse, helen, two_years_out):
    client.force_login(nurse)
    step1 = client.get(f"/nurse/patients/{helen.pk}/plans/new/")
    form = step1.context["form"]
    assert form.initial["start_date"] == two_years_out  # end of the last curative treatment
    assert form.fields["template"].choices[0][1].startswith("Breast cancer")  # fits first

    preview = client.get(
        f"/nurse/patients/{helen.pk}/plans/new/",
        {
            "diagnosis": helen.diagnoses.get().pk,
            "template": CarePlanTemplate.objects.get(code="breast").pk,
            "start_date": two_years_out.isoformat(),
            "owner": nurse.pk,
            "checkin_frequency": "default",
        },
    )
    items = preview.context["preview"]
    assert len(items) > 10
    assert "Already overdue" in preview.content.decode()
    assert not CarePlan.objects.exists()  # a preview creates nothing


def test_it_creates_the_plan_on_confirmation_with_past_items_overdue(
    client, nurse, helen, two_years_out
):
    client.force_login(nurse)
    response = client.post(
        f"/nurse/patients/{helen.pk}/plans/new/",
        {
            "diagnosis": helen.diagnoses.get().pk,
            "template": CarePlanTemplate.objects.get(code="breast").pk,
            "start_date": two_years_out.isoformat(),
            "owner": nurse.pk,
            "checkin_frequency": "default",
            "confirm": "yes",
        },
    )
    plan = CarePlan.objects.get()
    assert response["Location"] == f"/nurse/plans/{plan.pk}/"
    assert plan.template_version == 1 and plan.rules_snapshot
    page = client.get(response["Location"]).content.decode()
    overdue = FollowUpVisit.objects.filter(plan=plan).overdue()
    assert overdue.exists()
    assert f"{overdue.count()} overdue" in page
    assert "Mammogram" in page


def test_it_refuses_a_start_before_the_diagnosis_and_keeps_the_choices(client, nurse, helen):
    client.force_login(nurse)
    response = client.get(
        f"/nurse/patients/{helen.pk}/plans/new/",
        {
            "diagnosis": helen.diagnoses.get().pk,
            "template": CarePlanTemplate.objects.get(code="breast").pk,
            "start_date": "2020-01-01",
            "checkin_frequency": "default",
        },
    )
    assert response.status_code == 400
    assert "Follow-up cannot start before the diagnosis (2022-01-10)." in response.content.decode()


def test_it_allows_a_plan_that_starts_in_the_future(diagnosis, breast):
    plan = services.careplan_create(
        diagnosis=diagnosis, template=breast, start_date=TODAY + timedelta(days=60)
    )
    assert not FollowUpVisit.objects.filter(plan=plan).overdue().exists()
    assert plan.visits.order_by("due_date").first().due_date > TODAY


def test_it_refuses_a_second_open_plan_for_the_same_diagnosis(plan, diagnosis, breast):

    with pytest.raises(ValidationError, match="already has an open care plan"):
        services.careplan_create(diagnosis=diagnosis, template=breast, start_date=TODAY)


def test_it_asks_for_a_diagnosis_before_a_plan(client, nurse):

    patient = make_patient(nurse, "MRN-3", "Nia", "Bare")
    client.force_login(nurse)
    response = client.get(f"/nurse/patients/{patient.pk}/plans/new/")
    assert response["Location"] == f"/nurse/patients/{patient.pk}/diagnoses/new/"


def test_it_regenerates_only_planned_items_when_the_start_date_moves(plan, nurse):
    visits = list(plan.visits.filter(rule_key="breast_visit_y1_3").order_by("due_date"))
    services.visit_complete(visit=visits[0], completed_on=visits[0].due_date, outcome="ned")
    booked = services.visit_schedule(visit=visits[1], at=timezone.now() + timedelta(days=3))
    manual = services.visit_add(
        plan=plan, kind="lab", label="Vitamin D", due_date=TODAY + timedelta(days=10)
    )
    planned_before = visits[2].due_date

    services.careplan_update(
        plan=plan,
        start_date=plan.start_date + timedelta(days=31),
        template=plan.template,
        owner=nurse,
        checkin_frequency="default",
    )
    visits[0].refresh_from_db()
    booked.refresh_from_db()
    visits[2].refresh_from_db()
    assert visits[0].status == VisitStatus.COMPLETED  # kept as it happened
    assert booked.status == VisitStatus.SCHEDULED and booked.due_date == visits[1].due_date
    assert FollowUpVisit.objects.filter(pk=manual.pk).exists()
    assert visits[2].due_date != planned_before  # planned items follow the new start


def test_it_regenerates_idempotently(plan):
    before = list(plan.visits.values_list("pk", "rule_key", "sequence", "due_date", "window_end"))
    assert services.careplan_generate(plan=plan) == {"created": 0, "updated": 0, "deleted": 0}
    after = list(plan.visits.values_list("pk", "rule_key", "sequence", "due_date", "window_end"))
    assert before == after


def test_it_keeps_a_rolling_year_after_year_five(diagnosis, breast):
    start = TODAY - timedelta(days=7 * 365)
    type(diagnosis).objects.filter(pk=diagnosis.pk).update(diagnosed_on=start)
    diagnosis.refresh_from_db()
    plan = services.careplan_create(diagnosis=diagnosis, template=breast, start_date=start)
    last = plan.visits.order_by("-due_date").first().due_date
    assert TODAY < last <= TODAY + timedelta(days=366)  # a year ahead, no more
    later = TODAY + timedelta(days=400)
    assert services.careplan_extend_all(today=later) > 0
    assert plan.visits.order_by("-due_date").first().due_date > last
    assert services.careplan_extend_all(today=later) == 0  # idempotent


def test_it_keeps_existing_plans_when_the_template_changes(plan, breast):
    rule = breast.rules.get(key="breast_mammogram")
    rule.interval_min_months = rule.interval_max_months = 6
    rule.save()
    services.careplan_generate(plan=plan)
    intervals = {r["key"]: r["interval_min_months"] for r in plan.rules_snapshot}
    assert intervals["breast_mammogram"] == 12
    mammograms = plan.visits.filter(rule_key="breast_mammogram").order_by("due_date")
    assert (mammograms[1].due_date - mammograms[0].due_date).days >= 365


def row_action(client, visit, action, data=None, htmx=True):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    url = f"/nurse/items/{visit.pk}/{action}/"
    return (
        client.post(url, data or {}, **headers) if data is not None else client.get(url, **headers)
    )


def test_it_schedules_an_item_inline_and_returns_the_updated_row(client, nurse, plan):
    visit = plan.visits.filter(status="planned").order_by("due_date").last()
    client.force_login(nurse)
    form_row = row_action(client, visit, "schedule")
    assert form_row.content.decode().lstrip().startswith(f'<tr id="visit-{visit.pk}"')
    when = (timezone.localtime() + timedelta(days=5)).replace(hour=9, minute=30)
    response = row_action(
        client,
        visit,
        "schedule",
        {"scheduled_at": when.strftime("%Y-%m-%dT%H:%M"), "location": "Room 4"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="visit-{visit.pk}"') and "Booked" in html
    visit.refresh_from_db()
    assert visit.status == VisitStatus.SCHEDULED and visit.location == "Room 4"


def test_it_keeps_history_when_rescheduling(client, nurse, plan):
    visit = plan.visits.filter(status="planned").order_by("due_date").last()
    first = timezone.now() + timedelta(days=3)
    services.visit_schedule(visit=visit, at=first, location="Room 1")
    services.visit_schedule(visit=visit, at=first + timedelta(days=7), location="Room 2")
    bookings = list(visit.history.order_by("history_date").values_list("scheduled_at", "location"))
    assert (first, "Room 1") in bookings and bookings[-1][1] == "Room 2"


def test_it_explains_a_bad_appointment_inline(client, nurse, plan):
    visit = plan.visits.filter(status="planned").first()
    client.force_login(nurse)
    response = row_action(client, visit, "schedule", {"scheduled_at": "2001-01-01T09:00"})
    assert response.status_code == 200  # htmx swaps only successful answers
    assert "The appointment is in the past" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == VisitStatus.PLANNED


def test_it_completes_cancels_marks_missed_and_reopens(client, nurse, plan):
    visits = list(plan.visits.filter(status="planned").order_by("due_date")[:3])
    client.force_login(nurse)
    row_action(client, visits[0], "complete", {"completed_on": TODAY.isoformat(), "outcome": "ned"})
    row_action(client, visits[1], "cancel", {"note": "Patient moved away"})
    row_action(client, visits[2], "missed", {"note": ""})
    statuses = [FollowUpVisit.objects.get(pk=v.pk).status for v in visits]
    assert statuses == ["completed", "cancelled", "missed"]
    assert FollowUpVisit.objects.get(pk=visits[2].pk).is_overdue()  # missed still counts
    row_action(client, visits[1], "reopen", {})
    assert FollowUpVisit.objects.get(pk=visits[1].pk).status == "planned"


def test_it_refuses_a_completion_in_the_future_or_without_outcome(client, nurse, plan):
    visit = plan.visits.first()
    client.force_login(nurse)
    future = (TODAY + timedelta(days=2)).isoformat()
    html = row_action(client, visit, "complete", {"completed_on": future, "outcome": "ned"})
    assert "cannot be in the future" in html.content.decode()
    html = row_action(client, visit, "complete", {"completed_on": TODAY.isoformat()})
    assert "This field is required" in html.content.decode()


def test_it_offers_to_record_a_status_event_when_recurrence_is_suspected(client, nurse, plan):
    visit = plan.visits.filter(kind="imaging").first()
    client.force_login(nurse)
    response = row_action(
        client,
        visit,
        "complete",
        {"completed_on": TODAY.isoformat(), "outcome": "recurrence_suspected", "note": "New spot"},
    )
    assert response.status_code == 204
    target = response["HX-Redirect"]
    assert target.startswith(f"/nurse/diagnoses/{plan.diagnosis_id}/status/new/?")
    form = client.get(target).context["form"]
    assert form.initial["reported_status"] == "return"
    assert form.initial["event_date"] == TODAY.isoformat()
    assert "New spot" in form.initial["note"]


def test_it_works_without_javascript_too(client, nurse, plan):
    visit = plan.visits.filter(status="planned").first()
    client.force_login(nurse)
    page = row_action(client, visit, "cancel", htmx=False)
    assert "<html" in page.content.decode() and "Cancel this item" in page.content.decode()
    response = row_action(client, visit, "cancel", {"note": ""}, htmx=False)
    assert response["Location"] == f"/nurse/plans/{plan.pk}/"


def test_it_rejects_an_unknown_action(client, nurse, plan):
    client.force_login(nurse)
    assert client.get(f"/nurse/items/{plan.visits.first().pk}/explode/").status_code == 404


def test_it_shows_due_and_overdue_items_on_the_nurse_home(client, nurse, plan):
    client.force_login(nurse)
    response = client.get("/nurse/")
    panel = response.context["panel"]
    assert panel["overdue_count"] == FollowUpVisit.objects.overdue().count() > 0
    assert "Helen Marsh" in response.content.decode()


def test_it_filters_the_caseload_by_overdue_follow_up(client, nurse, plan):

    make_patient(nurse, "MRN-77", "Ona", "Ontrack")
    client.force_login(nurse)
    names = [p.family_name for p in client.get("/nurse/?overdue=on").context["page"].object_list]
    assert names == ["Marsh"]


def test_it_shows_the_schedule_on_the_patient_page(client, nurse, plan, helen):
    visit = plan.visits.first()
    services.visit_complete(visit=visit, completed_on=visit.due_date, outcome="ned")
    client.force_login(nurse)
    response = client.get(f"/nurse/patients/{helen.pk}/")
    html = response.content.decode()
    assert "Overdue (" in html and "Coming up" in html
    assert any(entry.kind == "visit" for entry in response.context["entries"])


@pytest.mark.parametrize("extra_items", [0, 50])
def test_it_shows_the_plan_page_in_a_constant_number_of_queries(
    client, nurse, plan, extra_items, django_assert_num_queries
):
    for i in range(extra_items):
        services.visit_add(plan=plan, kind="lab", label=f"Test {i}", due_date=TODAY)
    client.force_login(nurse)
    # session, user with roles, two-factor devices (2), plan, counts (total/completed/
    # scheduled in one, overdue), shared-care letters, the latest restaging, visits,
    # items shared with another plan (issue 19), the access-log entry
    assert warm_count(client, f"/nurse/plans/{plan.pk}/") == 12 + permission_queries()


def test_it_hides_another_caseloads_plans_and_items(client, nurse2, plan):
    client.force_login(nurse2)
    visit = plan.visits.first()
    for url in (
        f"/nurse/plans/{plan.pk}/",
        f"/nurse/plans/{plan.pk}/edit/",
        f"/nurse/plans/{plan.pk}/print/",
        f"/nurse/plans/{plan.pk}/items/new/",
        f"/nurse/items/{visit.pk}/",
        f"/nurse/items/{visit.pk}/complete/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/nurse/items/{visit.pk}/complete/", {"completed_on": TODAY, "outcome": "ned"}
    )
    assert response.status_code == 404
    visit.refresh_from_db()
    assert visit.status == "planned"


def test_it_reads_appointment_times_in_the_clinic_time_zone(client, nurse, plan, settings):
    visit = plan.visits.filter(status="planned").last()
    client.force_login(nurse)
    when = (TODAY + timedelta(days=10)).isoformat() + "T09:30"
    row_action(client, visit, "schedule", {"scheduled_at": when})
    visit.refresh_from_db()
    expected = datetime.fromisoformat(when).replace(tzinfo=ZoneInfo(settings.CLINIC_TIME_ZONE))
    assert visit.scheduled_at == expected


def test_it_adds_an_item_by_hand(client, nurse, plan):
    client.force_login(nurse)
    response = client.post(
        f"/nurse/plans/{plan.pk}/items/new/",
        {"kind": "imaging", "label": "Breast MRI", "due_date": TODAY.isoformat(), "window_days": 7},
    )
    assert response.status_code == 302
    item = plan.visits.get(label="Breast MRI")
    assert item.manually_added and item.window_end == TODAY + timedelta(days=7)


def test_it_edits_the_plan_and_refuses_a_start_before_the_diagnosis(client, nurse, plan, breast):
    client.force_login(nurse)
    data = {
        "template": breast.pk,
        "start_date": "2021-01-01",
        "owner": nurse.pk,
        "checkin_frequency": "monthly",
    }
    bad = client.post(f"/nurse/plans/{plan.pk}/edit/", data)
    assert "cannot start before the diagnosis" in bad.content.decode()
    good = client.post(f"/nurse/plans/{plan.pk}/edit/", {**data, "start_date": TODAY.isoformat()})
    assert good.status_code == 302
    plan.refresh_from_db()
    assert plan.start_date == TODAY and plan.checkin_frequency == "monthly"


def test_it_refreshes_the_plan_counts_after_an_inline_change(client, nurse, plan):
    visit = plan.visits.filter(status="planned").order_by("due_date").first()
    client.force_login(nurse)
    response = row_action(
        client, visit, "complete", {"completed_on": TODAY.isoformat(), "outcome": "ned"}
    )
    assert response["HX-Trigger"] == "visit-changed"
    counts = client.get(f"/nurse/plans/{plan.pk}/?fragment=counts", HTTP_HX_REQUEST="true")
    html = counts.content.decode()
    assert html.lstrip().startswith('<p id="plan-counts"') and "1 completed" in html


def test_the_print_view_has_one_level_one_heading(client, nurse, plan):
    client.force_login(nurse)
    page = client.get(f"/nurse/plans/{plan.pk}/print/").content.decode()
    assert page.count("<h1") == 1
    assert f"Care plan for {plan.patient.full_name}</h1>" in page


def test_each_rows_actions_name_the_item_they_act_on(client, nurse, plan):
    visit = plan.visits.order_by("due_date").first()
    client.force_login(nurse)
    page = client.get(f"/nurse/plans/{plan.pk}/").content.decode()
    due = f"{visit.due_date:%Y-%m-%d}"
    for action in ("Schedule", "Complete", "Missed", "Cancel"):
        assert f'aria-label="{action} {visit.label}, due {due}"' in page


@pytest.mark.parametrize(
    ("stage", "first"),
    [("IIIB", "melanoma_high"), ("IIB", "melanoma_high"), ("IV", "melanoma_high"),
     ("IA", "melanoma_low"), ("IIA", "melanoma_low"), ("", "melanoma_low")],
)  # fmt: skip
def test_it_offers_the_melanoma_template_for_the_stage_first(client, nurse, stage, first):
    patient = make_patient(nurse, "MRN-M", "Mel", "Stage")
    CancerDiagnosis.objects.create(
        patient=patient, cancer_type="melanoma", diagnosed_on=TODAY, stage_group=stage
    )
    client.force_login(nurse)
    form = client.get(f"/nurse/patients/{patient.pk}/plans/new/").context["form"]
    first_choice = CarePlanTemplate.objects.get(pk=form.fields["template"].choices[0][0])
    assert first_choice.code == first
    assert guidelines.suggested_template("melanoma", stage).code == first


def test_it_suggests_the_cancer_types_own_template_and_the_general_one_otherwise():
    assert guidelines.suggested_template("breast", "IIA").code == "breast"
    assert guidelines.suggested_template("melanoma", "Stage IIIC").code == "melanoma_high"
    assert guidelines.suggested_template("not-a-type").code == guidelines.GENERAL_TEMPLATE_CODE
