"""The care plan document, and the patient's view of it in the portal."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from followup.documents import follow_up_year, plan_document
from followup.models import CarePlanTemplate, FollowUpVisit, PlanStatus, VisitStatus
from followup.rules.content import FEAR_OF_RECURRENCE, GENERAL_WARNING_SIGNS, RISK_LOWERING_ADVICE
from followup.selectors import portal as selectors
from followup.services import plans as services
from patients.choices import CancerType, Intent, Modality
from patients.models import CancerDiagnosis, Treatment
from tests.support.factories import make_patient

BREAST_SIGN = "A lump, thickening or other change in the breast, chest wall, scar or armpit"


def long_date(day):
    return f"{day.day} {day:%B %Y}"


def give_portal_account(patient, username):
    patient.user = User.objects.create_user(username=username, password="test-password-123")
    patient.save(update_fields=["user"])
    return patient.user


def breast_plan(diagnosis, nurse, start_date=None):
    return services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=start_date or timezone.localdate() - timedelta(days=60),
        owner=nurse,
    )


@pytest.fixture
def helen_plan(helen, diagnosis, nurse, nurse2):
    Treatment.objects.create(
        diagnosis=diagnosis,
        modality=Modality.CHEMOTHERAPY,
        intent=Intent.CURATIVE,
        started_on=date(2022, 3, 1),
        ended_on=date(2022, 6, 30),
        lasting_side_effects="Tingling in the fingers and toes",
    )
    helen.care_team.add(nurse2)
    return breast_plan(diagnosis, nurse)


@pytest.fixture
def helen_user(helen):
    return give_portal_account(helen, "helen")


@pytest.fixture
def bella(nurse2):
    """Another patient, in another caseload, with her own plan."""
    patient = make_patient(nurse2, mrn="MRN-2002", given="Bella", family="Brown")
    diagnosis = CancerDiagnosis.objects.create(
        patient=patient, cancer_type=CancerType.COLORECTAL, diagnosed_on=date(2023, 5, 2)
    )
    Treatment.objects.create(
        diagnosis=diagnosis,
        modality=Modality.RADIATION,
        started_on=date(2023, 6, 1),
        ended_on=date(2023, 7, 15),
        lasting_side_effects="Skin darkening on the belly",
    )
    services.careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="colorectal"),
        start_date=date(2023, 7, 15),
        owner=nurse2,
    )
    give_portal_account(patient, "bella")
    return patient


# The document


def test_it_counts_follow_up_years_like_the_schedule_rules():
    start = date(2022, 2, 1)
    assert follow_up_year(start, date(2022, 1, 1)) == 1  # added by hand before the start
    assert follow_up_year(start, date(2022, 5, 1)) == 1
    assert follow_up_year(start, date(2023, 2, 1)) == 1  # the first anniversary closes year 1
    assert follow_up_year(start, date(2023, 2, 2)) == 2
    assert follow_up_year(start, date(2027, 2, 1)) == 5
    assert follow_up_year(start, date(2027, 3, 1)) == 6
    assert follow_up_year(date(2024, 2, 29), date(2025, 2, 28)) == 1


def test_it_groups_the_schedule_by_year_and_separates_done_from_upcoming(helen_plan):
    today = timezone.localdate()
    first, second = helen_plan.visits.order_by("due_date")[:2]
    services.visit_complete(visit=first, completed_on=today, outcome="ned")
    document = plan_document(plan=helen_plan, today=today)
    years = [year.number for year in document["schedule"]]
    assert years == sorted(years) and years[0] == 1 and len(years) == 5
    rows = {row.visit.pk: row for year in document["schedule"] for row in year.rows}
    assert len(rows) == helen_plan.visits.count()
    assert rows[first.pk].state == "done" and rows[first.pk].past
    assert rows[second.pk].state == "to_book" and not rows[second.pk].past
    assert document["next_row"].visit == second


def test_it_builds_the_document_in_a_constant_number_of_queries(helen_plan):
    plan = selectors.portal_plans(patient=helen_plan.patient).get()
    with CaptureQueriesContext(connection) as queries:
        plan_document(plan=plan, today=timezone.localdate())
    assert len(queries) == 4  # the latest restaging, treatments, schedule, care team


def test_it_prints_the_whole_document_a_nurse_hands_over(helen_plan):
    document = plan_document(plan=helen_plan, today=timezone.localdate())
    page = render_to_string("followup/_plan_document.html", document)
    # Treatment summary from the record.
    assert "Breast cancer (left)" in page
    assert "Stage IIA" in page
    assert "10 January 2022" in page
    assert "Surgery" in page and "1 February 2022" in page
    assert "Chemotherapy" in page and "1 March 2022 to 30 June 2022" in page
    assert "Tingling in the fingers and toes" in page
    # Schedule.
    assert "Your follow-up schedule" in page and "Year 1" in page and "Year 5" in page
    assert "Check-up visit" in page and "Mammogram" in page and "To be booked" in page
    assert "skip deodorant" in page  # how to prepare, once
    assert page.count("skip deodorant") == 1
    # Warning signs: the general list and the template's own.
    for _code, label in GENERAL_WARNING_SIGNS:
        assert escape(label) in page
    assert escape(BREAST_SIGN) in page
    # Advice, fear of recurrence, contacts.
    for title, text in RISK_LOWERING_ADVICE:
        assert escape(title) in page and escape(text) in page
    for paragraph in FEAR_OF_RECURRENCE:
        assert escape(paragraph) in page
    assert "Nina-Nurse" in page and "mailto:nina-nurse@example.org" in page
    assert "Omar-Nurse" in page  # the rest of the care team
    assert "Survivorship Clinic" in page and "+1 555 0100" in page


def test_it_shows_booked_appointments_with_time_and_place(helen_plan):
    visit = helen_plan.visits.filter(status=VisitStatus.PLANNED).order_by("due_date")[1]
    # 09:30 on the patient's own clock (New York), which is what the page shows.
    at = datetime.combine(
        visit.due_date, time(9, 30), tzinfo=ZoneInfo(helen_plan.patient.time_zone)
    )
    services.visit_schedule(visit=visit, at=at, location="Clinic B, room 4")
    document = plan_document(plan=helen_plan, today=timezone.localdate())
    page = render_to_string("followup/_plan_document.html", document)
    assert "Booked, Clinic B, room 4" in page
    assert f"{visit.due_date.day} {visit.due_date:%b %Y}, 09:30 (New York time)" in page


# The portal page


def test_it_shows_the_patient_their_own_plan(client, helen_plan, helen_user):
    client.force_login(helen_user)
    response = client.get("/portal/plan/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Your care plan" in page and "Helen Marsh" in page
    assert "Tingling in the fingers and toes" in page
    assert escape(BREAST_SIGN) in page
    assert escape(FEAR_OF_RECURRENCE[0]) in page
    assert 'media="print"' in page and "css/print" in page
    assert "no-store" in response["Cache-Control"]


def test_it_never_shows_another_patients_plan(client, helen_plan, helen_user, bella):
    client.force_login(helen_user)
    page = client.get("/portal/plan/").content.decode()
    assert "Bella" not in page and "MRN-2002" not in page
    assert "Colorectal" not in page and "Skin darkening" not in page
    client.force_login(bella.user)
    page = client.get("/portal/plan/").content.decode()
    assert "Colorectal cancer" in page and "Skin darkening on the belly" in page
    assert "Helen" not in page and "MRN-1001" not in page and "Tingling" not in page
    assert escape(BREAST_SIGN) not in page


def test_it_tells_a_patient_without_a_plan_that_it_is_not_set_up_yet(client, patient_user):
    client.force_login(patient_user)
    response = client.get("/portal/plan/")
    assert response.status_code == 200
    assert "Your care team has not set up your care plan yet." in response.content.decode()


def test_it_leaves_out_completed_plans_and_explains_paused_ones(client, helen_plan, helen_user):
    client.force_login(helen_user)
    helen_plan.status = PlanStatus.PAUSED
    helen_plan.save()
    assert "is paused for now" in client.get("/portal/plan/").content.decode()
    helen_plan.status = PlanStatus.COMPLETED
    helen_plan.save()
    page = client.get("/portal/plan/").content.decode()
    assert "Your care team has not set up your care plan yet." in page


def _resize(plan, size):
    visits = list(plan.visits.order_by("due_date", "pk"))
    if len(visits) > size:
        FollowUpVisit.objects.filter(pk__in=[v.pk for v in visits[size:]]).delete()
    for n in range(size - len(visits)):
        services.visit_add(
            plan=plan,
            kind="lab",
            label=f"Extra blood test {n}",
            due_date=plan.start_date + timedelta(days=30 * (n + 1)),
            instructions=f"Instructions {n}",
        )
    assert plan.visits.count() == size


def test_it_serves_the_plan_page_in_the_same_number_of_queries_for_10_or_60_items(
    client, helen_plan, helen_user
):
    first, second = helen_plan.visits.order_by("due_date")[:2]
    services.visit_complete(visit=first, completed_on=timezone.localdate(), outcome="ned")
    services.visit_schedule(visit=second, at=timezone.now() + timedelta(days=3), location="B")
    client.force_login(helen_user)
    client.get("/portal/plan/")  # warm up per-process caches
    counts = {}
    for size in (10, 60):
        _resize(helen_plan, size)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/portal/plan/")
        assert response.status_code == 200
        assert response.content.decode().count('class="schedule-row') == size
        counts[size] = len(queries)
    assert counts[10] == counts[60]


# The portal home page


def test_it_lists_the_next_three_visits_on_the_portal_home(client, helen_plan, helen_user):
    upcoming = list(helen_plan.visits.order_by("due_date"))
    booked = upcoming[0]
    at = timezone.now() + timedelta(days=2)
    services.visit_schedule(visit=booked, at=at, location="Clinic B, room 4")
    client.force_login(helen_user)
    page = client.get("/portal/").content.decode()
    assert "Hello, Helen" in page and "Your record" in page
    assert "Your next visits" in page
    assert "Clinic B, room 4" in page
    # On Helen's own clock (New York), named because the clinic's is another zone.
    their = at.astimezone(ZoneInfo(helen_plan.patient.time_zone))
    assert f"at {their:%H:%M} (New York time)" in page
    assert f"Around {long_date(upcoming[1].due_date)}" in page
    assert f"Around {long_date(upcoming[3].due_date)}" not in page  # only three
    assert "A check-up with your care team" in page  # how to prepare
    for url in ("/portal/plan/", "/portal/calendar.ics", "/portal/calendar/"):
        assert f'href="{url}"' in page


def test_it_flags_an_item_past_its_due_date_that_is_not_booked_yet(client, helen_plan, helen_user):
    late = services.visit_add(
        plan=helen_plan,
        kind="lab",
        label="Blood count",
        due_date=timezone.localdate() - timedelta(days=3),
        window_days=14,
    )
    client.force_login(helen_user)
    page = client.get("/portal/").content.decode()
    assert "Due now" in page and f"since {long_date(late.due_date)}" in page
    assert "please call us on +1 555 0100" in page


def test_it_says_when_no_visits_are_coming_up(client, patient_user):
    client.force_login(patient_user)
    page = client.get("/portal/").content.decode()
    assert "No visits are coming up at the moment." in page


# Who may open the portal pages


@pytest.mark.parametrize("url", ["/portal/plan/", "/portal/calendar.ics", "/portal/calendar/"])
@pytest.mark.parametrize(
    ("persona", "expected"), [("nurse", 403), ("administrator", 403), ("anonymous", 302)]
)
def test_it_admits_only_patients_to_the_portal_pages(client, personas, url, persona, expected):
    if personas[persona] is not None:
        client.force_login(personas[persona])
    response = client.get(url)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/accounts/login/")


def test_it_shows_a_nurse_who_is_also_a_patient_only_their_own_plan(
    client, helen_plan, helen_user, nurse, bella
):
    """for_user gives a nurse their caseload; the portal must still show only their record."""
    helen_user.groups.add(*nurse.groups.all())
    helen_plan.patient.care_team.add(helen_user)
    bella.care_team.add(helen_user)
    client.force_login(helen_user)
    page = client.get("/portal/plan/").content.decode()
    assert "Helen Marsh" in page and "Bella" not in page


def test_the_portal_home_links_do_not_look_disabled(client, helen_plan, helen_user):
    client.force_login(helen_user)
    page = client.get("/portal/").content.decode()
    for label in ("Reminder settings", "Who has seen my record"):
        link = page.split(f">{label}</a>", 1)[0].rsplit("<a ", 1)[1]
        assert "btn-outline-primary" in link and "secondary" not in link
