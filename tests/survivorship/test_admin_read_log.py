"""Issue 14, finding 4: Django admin reads of patient data are in the access log."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from followup.models import CarePlanTemplate
from followup.services.plans import careplan_create
from survivorship.models import AccessLog


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def plan(diagnosis, nurse):
    return careplan_create(
        diagnosis=diagnosis,
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=timezone.localdate() - timedelta(days=400),
        owner=nurse,
    )


def entries(**filters):
    return list(AccessLog.objects.filter(**filters).order_by("pk"))


@pytest.mark.parametrize(
    ("name", "obj_of"),
    [
        ("patients_patient", lambda plan: plan.patient),
        ("patients_cancerdiagnosis", lambda plan: plan.diagnosis),
        ("followup_careplan", lambda plan: plan),
        ("followup_followupvisit", lambda plan: plan.visits.first()),
    ],
)
def test_admin_change_and_history_pages_are_logged_with_the_patient(
    admin_client, administrator, plan, name, obj_of
):
    obj = obj_of(plan)
    before = AccessLog.objects.count()
    for view in ("change", "history"):
        response = admin_client.get(reverse(f"admin:{name}_{view}", args=[obj.pk]))
        assert response.status_code == 200
    logged = entries(pk__gt=0)[before:]
    assert [e.action for e in logged] == ["admin-view", "admin-history"]
    for entry in logged:
        assert entry.patient_id == plan.patient_id
        assert entry.object_id == str(obj.pk)
        assert entry.user_id == administrator.pk and entry.username == administrator.username
        assert entry.path.startswith("/admin/")


def test_admin_lists_and_searches_log_one_entry_per_row_in_one_insert(
    admin_client, plan, django_assert_max_num_queries
):
    before = AccessLog.objects.count()
    response = admin_client.get(reverse("admin:patients_patient_changelist"), {"q": "Marsh"})
    assert response.status_code == 200
    logged = entries()[before:]
    assert [(e.action, e.patient_id) for e in logged] == [("admin-list", plan.patient_id)]

    before = AccessLog.objects.count()
    response = admin_client.get(reverse("admin:followup_reminder_changelist"))
    assert response.status_code == 200
    visits = admin_client.get(reverse("admin:followup_followupvisit_changelist"))
    logged = entries()[before:]
    shown = len(visits.context["cl"].result_list)
    assert shown and sum(e.object_type == "followupvisit" for e in logged) == shown
    assert {e.patient_id for e in logged if e.object_type == "followupvisit"} == {plan.patient_id}
