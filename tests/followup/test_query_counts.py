"""Pages whose query count must not grow with the data behind them.

Each page is loaded once with a little data and once with more of everything it shows;
both loads must run the pinned number of queries. A new query per row fails here.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from followup.models import CarePlanTemplate, FollowUpVisit
from followup.services import plans as services
from followup.services import reports as reporting
from patients.models import CancerDiagnosis
from tests.support.factories import make_patient

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


# Pinned counts: the fixed per-request cost (session, user, groups, second factor,
# permissions) plus each page's own queries. Lower them when a page gets cheaper.
DASHBOARD_COLD, DASHBOARD_WARM, QUALITY, PORTAL_CALENDAR, PORTAL_PREFERENCES = 11, 9, 16, 9, 9


def test_the_dashboard_runs_the_same_queries_for_ten_patients_as_for_two(
    client, administrator, nurse
):
    add_patients(nurse, 2, 0)
    client.force_login(administrator)
    small = (count(client, "/dashboard/"), count(client, "/dashboard/"))
    add_patients(nurse, 8, 2)
    cache.clear()
    big = (count(client, "/dashboard/"), count(client, "/dashboard/"))
    assert small == big == (DASHBOARD_COLD, DASHBOARD_WARM)


def test_the_quality_page_runs_the_same_queries_for_ten_patients_as_for_two(
    client, administrator, nurse
):
    add_patients(nurse, 2, 0)
    client.force_login(administrator)
    small = count(client, "/dashboard/quality/")
    add_patients(nurse, 8, 2)
    assert small == count(client, "/dashboard/quality/") == QUALITY


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
