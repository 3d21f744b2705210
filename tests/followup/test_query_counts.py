"""Pages whose query count must not grow with the data behind them.

Each page is loaded once with a little data and once with more of everything it shows;
both loads must run the pinned number of queries. A new query per row fails here.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from followup.models import CarePlanTemplate, FollowUpVisit
from followup.services import plans as services
from followup.services import reports as reporting
from patients.models import CancerDiagnosis
from survivorship.roles import GROUP_NAMES, Role
from tests.support.factories import make_patient
from tests.support.queries import permission_queries

TODAY = timezone.localdate()


def add_items(plan, n: int, days_overdue: int = 20) -> None:
    end = TODAY - timedelta(days=days_overdue)
    FollowUpVisit.objects.bulk_create(
        FollowUpVisit(
            plan=plan,
            patient_id=plan.patient_id,
            kind=kind,
            label=f"Item {i}",
            due_date=end - timedelta(days=14),
            window_start=end - timedelta(days=28),
            window_end=end,
        )
        for i, kind in zip(range(n), ["visit", "imaging", "lab"] * n, strict=False)
    )


def add_patients(nurse, n: int, first: int) -> list:
    plans = []
    for i in range(first, first + n):
        patient = make_patient(nurse, f"MRN-Q{i}", f"Q{i}", "Count")
        diagnosis = CancerDiagnosis.objects.create(
            patient=patient,
            cancer_type=["breast", "lung", "colorectal"][i % 3],
            diagnosed_on=TODAY - timedelta(days=400),
        )
        plan = services.careplan_create(
            diagnosis=diagnosis,
            template=CarePlanTemplate.objects.get(code="general"),
            start_date=TODAY - timedelta(days=300),
            owner=nurse,
        )
        add_items(plan, 3)
        reporting.report_submit(
            patient=patient,
            submission_key=f"q-{i}",
            signs=[{"code": "pain", "label": "pain", "severity": "mild", "trend": "new"}],
        )
        plans.append(plan)
    return plans


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


@pytest.fixture
def patient_login(client, helen, django_user_model):
    user = django_user_model.objects.create_user("helen-portal", password="x")
    helen.user = user
    helen.save()
    client.force_login(user)
    return helen


def verified(client, user):
    """Sign ``user`` in with a session verified by a second factor, as staff are."""
    device = StaticDevice.objects.create(user=user, name="codes", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def add_nurses(n: int) -> list[User]:
    users = User.objects.bulk_create(
        User(username=f"nurse-{i:03}", first_name="Nurse", last_name=f"Number {i:03}")
        for i in range(n)
    )
    Group.objects.get(name=GROUP_NAMES[Role.NURSE]).user_set.add(*users)
    return users


# The fixed cost of a signed-in request: session, the user with their roles, the second
# factor's device (survivorship/web/auth.py). Permissions come from the cache.
FIXED = 3
TABLES = ("django_session", "auth_user", "otp_static_staticdevice")
# Pinned counts: the fixed per-request cost plus each page's own queries. Lower them
# when a page gets cheaper. The tests below sign in without a second factor (one query
# fewer than FIXED); "cold" is every cache empty, the user's permissions included (one
# query, read once and then shared by every page). Warm counts are with Redis: without a
# shared cache every request reads the permissions (permission_queries()).
DASHBOARD_COLD, DASHBOARD_WARM, QUALITY_COLD, QUALITY_WARM = 9, 6, 18, 15
# Preferences +1: is there a caregiver who could get reminders (issue 21).
PORTAL_CALENDAR, PORTAL_PREFERENCES = 7, 8
# Signed in with a second factor: FIXED included.
PATIENT_PAGE = 22


@pytest.mark.redis
def test_a_signed_in_staff_request_costs_three_queries_for_session_user_factor_and_roles(
    client, administrator
):
    verified(client, administrator)
    # The first request reads the permissions into the cache; the next ones find them.
    count(client, "/dashboard/overdue/")
    assert count(client, "/accounts/password/done/") == FIXED  # a trivial page behind login
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/dashboard/overdue/").status_code == 200
    fixed = [q["sql"] for q in queries.captured_queries[:FIXED]]
    for sql, table in zip(fixed, TABLES, strict=True):
        assert f'FROM "{table}" WHERE' in sql
    assert not any('FROM "auth_permission"' in q["sql"] for q in queries.captured_queries)


@pytest.mark.redis
def test_a_change_of_groups_takes_effect_on_the_next_request(client, administrator, nurse):
    verified(client, administrator)
    assert client.get("/dashboard/quality/").status_code == 200
    administrator.groups.clear()
    assert client.get("/dashboard/quality/").status_code == 403
    nurse.groups.add(Group.objects.get(name=GROUP_NAMES[Role.ADMINISTRATOR]))
    client.force_login(nurse)
    response = client.get("/dashboard/")
    assert response.status_code == 200 and "administrator" in response.context["user_roles"]


def test_the_overdue_list_offers_reassign_without_repeating_the_nurse_list_per_row(
    client, administrator, nurse
):
    nurses = add_nurses(199)
    for plan in add_patients(nurse, 10, 0):
        add_items(plan, 2)  # 5 overdue items per patient, 50 rows on the page
    verified(client, administrator)
    response = client.get("/dashboard/overdue/")
    page = response.content.decode()
    assert len(response.context["page"].rows) == 50
    assert len(response.content) < 100_000, len(response.content)
    # Each nurse is offered twice on the page: in the filter and in the one reassign list.
    assert page.count(f'<option value="{nurses[-1].pk}"') == 2
    assert page.count('form="reassign-form"') == page.count('form="remind-form"') == 50
    patient_id = response.context["page"].rows[0].patient_id
    assert f'formaction="/dashboard/patients/{patient_id}/reassign/"' in page
    # The page-wide forms still act on the one row: its own note, its own patient.
    visit = response.context["page"].rows[1]
    client.post(
        f"/dashboard/items/{visit.pk}/contacted/",
        {"next": "/dashboard/overdue/", f"note-{visit.pk}": "Left a voicemail", "note-1": ""},
    )
    visit.refresh_from_db()
    assert visit.contact_note == "Left a voicemail"
    client.post(f"/dashboard/patients/{patient_id}/reassign/", {"nurse": nurses[0].pk})
    assert type(visit.patient).objects.get(pk=patient_id).primary_nurse_id == nurses[0].pk


def test_the_dashboard_runs_the_same_queries_for_ten_patients_as_for_two(
    client, administrator, nurse
):
    add_patients(nurse, 2, 0)
    client.force_login(administrator)
    small = (count(client, "/dashboard/"), count(client, "/dashboard/"))
    add_patients(nurse, 8, 2)
    cache.clear()
    big = (count(client, "/dashboard/"), count(client, "/dashboard/"))
    assert small == big == (DASHBOARD_COLD, DASHBOARD_WARM + permission_queries())


def test_the_quality_page_runs_the_same_queries_for_ten_patients_as_for_two(
    client, administrator, nurse
):
    add_patients(nurse, 2, 0)
    client.force_login(administrator)
    small = (count(client, "/dashboard/quality/"), count(client, "/dashboard/quality/"))
    add_patients(nurse, 8, 2)
    cache.clear()
    big = (count(client, "/dashboard/quality/"), count(client, "/dashboard/quality/"))
    # Warm: the year of adherence figures comes from the cache (15 minutes).
    assert small == big == (QUALITY_COLD, QUALITY_WARM + permission_queries())


def test_the_portal_calendar_and_preferences_pages_do_not_grow_with_the_plan(
    client, patient_login, nurse
):
    plan = services.careplan_create(
        diagnosis=patient_login.diagnoses.get(),
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=TODAY - timedelta(days=100),
        owner=nurse,
    )
    small = (count(client, "/portal/calendar/"), count(client, "/portal/preferences/"))
    add_items(plan, 12, days_overdue=-30)
    big = (count(client, "/portal/calendar/"), count(client, "/portal/preferences/"))
    assert small == big == (PORTAL_CALENDAR, PORTAL_PREFERENCES)


def test_the_patient_page_runs_the_same_queries_for_a_longer_record(client, nurse):
    (plan,) = add_patients(nurse, 1, 0)
    verified(client, nurse)
    url = f"/nurse/patients/{plan.patient_id}/"
    count(client, url)  # reads the permissions into the cache
    small = count(client, url)
    add_items(plan, 6)
    add_items(plan, 6, days_overdue=-40)
    for n in range(3):
        reporting.report_submit(
            patient=plan.patient,
            submission_key=f"more-{n}",
            signs=[{"code": "fatigue", "label": "fatigue", "severity": "mild", "trend": "new"}],
        )
    assert small == count(client, url) == PATIENT_PAGE + permission_queries()
