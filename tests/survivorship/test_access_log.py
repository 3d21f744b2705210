"""The access log: who read or changed which record, and every refusal; append-only."""

import csv
import io
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from followup.models import CarePlanTemplate
from followup.services.plans import careplan_create
from followup.services.reminders import checkin_open
from survivorship.models import AccessLog
from survivorship.redact import redact_path


def entries(**filters):
    return list(AccessLog.objects.filter(**filters).order_by("pk"))


def test_it_logs_a_nurse_reading_a_patient_page_with_role_ip_and_path(client, nurse, helen):
    client.force_login(nurse)
    client.get(f"/nurse/patients/{helen.pk}/", REMOTE_ADDR="10.1.2.3")
    (entry,) = entries(action="view", patient_id=helen.pk)
    assert (entry.user, entry.role, entry.outcome) == (nurse, "nurse", "allowed")
    assert entry.ip == "10.1.2.3" and entry.path == f"/nurse/patients/{helen.pk}/"
    assert entry.object_type == "patient" and entry.at <= timezone.now()


def test_it_logs_a_refused_read_of_another_caseloads_patient(client, nurse2, helen):
    client.force_login(nurse2)
    assert client.get(f"/nurse/patients/{helen.pk}/").status_code == 404
    diagnosis = helen.diagnoses.get()
    assert client.get(f"/nurse/diagnoses/{diagnosis.pk}/edit/").status_code == 404
    denied = entries(outcome="denied", patient_id=helen.pk)
    assert [(e.user, e.object_type) for e in denied] == [
        (nurse2, "patient"),
        (nurse2, "cancerdiagnosis"),
    ]


def test_it_logs_a_role_refusal(client, patient_user):
    client.force_login(patient_user)
    assert client.get("/nurse/").status_code == 403
    (entry,) = entries(outcome="denied")
    assert entry.user == patient_user and entry.path == "/nurse/"


def test_it_logs_writes_from_the_services_whoever_calls_them(client, nurse, helen):
    client.force_login(nurse)
    client.post(
        f"/nurse/patients/{helen.pk}/diagnoses/new/",
        {"cancer_type": "melanoma", "diagnosed_on": "2023-03-03"},
    )
    (created,) = entries(action="create", object_type="cancerdiagnosis", user=nurse)
    assert created.patient_id == helen.pk and created.role == "nurse"
    # Records made outside a request (here: the test's own fixtures) are "system".
    assert entries(action="create", object_type="patient", user=None)[0].role == "system"
    treatment = helen.diagnoses.get(cancer_type="breast").treatments.get()
    client.post(f"/nurse/treatments/{treatment.pk}/delete/")
    (deleted,) = entries(action="delete", object_type="treatment", user=nurse)
    assert deleted.patient_id == helen.pk


def test_it_logs_portal_reads_and_exports(client, patient_user, administrator, helen):
    client.force_login(patient_user)
    client.get("/portal/")
    assert entries(action="view", user=patient_user, patient_id=patient_user.patient.pk)
    client.force_login(administrator)
    client.get("/dashboard/overdue.csv")
    assert entries(action="export", object_type="overdue list", user=administrator)


def test_it_refuses_to_change_or_delete_an_entry(client, nurse, helen):
    client.force_login(nurse)
    client.get(f"/nurse/patients/{helen.pk}/")
    entry = AccessLog.objects.get(action="view")
    entry.action = "nothing to see"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.all().update(action="x")
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.filter(pk=entry.pk, action="view").exists()


def test_it_shows_administrators_the_log_with_filters_and_exports_it(
    client, nurse, nurse2, administrator, helen
):
    client.force_login(nurse)
    client.get(f"/nurse/patients/{helen.pk}/")
    client.force_login(nurse2)
    client.get(f"/nurse/patients/{helen.pk}/")
    client.force_login(administrator)
    page = client.get(
        f"/dashboard/audit/?patient={helen.medical_record_number}&user={nurse.username}"
    )
    rows = page.context["page"].object_list
    assert [(e.username, e.action) for e in rows] == [(nurse.username, "view")]
    denied = client.get("/dashboard/audit/?outcome=denied").context["page"].object_list
    assert [e.username for e in denied] == [nurse2.username]
    today = timezone.localdate()
    future = (today + timedelta(days=1)).isoformat()
    assert not client.get(f"/dashboard/audit/?from={future}").context["page"].object_list
    assert client.get("/dashboard/audit/?from=not-a-date").status_code == 200
    export = client.get(f"/dashboard/audit.csv?patient={helen.medical_record_number}&action=view")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][:3] == ["at_utc", "user", "role"]
    assert sorted(row[1] for row in rows[1:]) == sorted([nurse.username, nurse2.username])


def test_it_keeps_the_log_from_nurses(client, nurse):
    client.force_login(nurse)
    assert client.get("/dashboard/audit/").status_code == 403
    assert client.get("/dashboard/audit.csv").status_code == 403


def test_it_shows_a_patient_who_has_seen_their_record_and_nothing_about_others(
    client, nurse, patient_user, patient2_user
):
    mine = patient_user.patient
    mine.care_team.add(nurse)
    client.force_login(nurse)
    client.get(f"/nurse/patients/{mine.pk}/")
    client.force_login(patient2_user)
    client.get("/portal/")
    client.force_login(patient_user)
    page = client.get("/portal/access/")
    html = page.content.decode()
    assert "looked at your record" in html
    assert (nurse.get_full_name() or nurse.username) in html
    users = {entry.user_id for entry in page.context["page"].object_list}
    assert patient2_user.pk not in users


def test_it_keeps_the_log_read_only_in_django_admin(client, administrator, nurse, helen):
    administrator.is_superuser = True
    administrator.save()
    client.force_login(nurse)
    client.get(f"/nurse/patients/{helen.pk}/")
    entry = AccessLog.objects.filter(action="view").first()
    client.force_login(administrator)
    assert client.get("/admin/survivorship/accesslog/").status_code == 200
    assert client.get("/admin/survivorship/accesslog/add/").status_code == 403
    response = client.post(f"/admin/survivorship/accesslog/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AccessLog.objects.filter(pk=entry.pk).exists()


def _entries(count, **fields):
    AccessLog.objects.bulk_create(
        AccessLog(action="view", object_type="patient", object_id=str(i), **fields)
        for i in range(count)
    )


@pytest.mark.parametrize("count", [5, 200])
def test_it_lists_the_access_log_in_a_constant_number_of_queries(
    client, administrator, helen, count, django_assert_num_queries
):
    _entries(count, patient_id=helen.pk, username="someone", role="nurse")
    client.force_login(administrator)
    # session, the user with their roles, two-factor devices (2), permissions (1, cold
    # cache), count, page (with users), record numbers, and the log entry for this view
    with django_assert_num_queries(8):
        assert client.get("/dashboard/audit/").status_code == 200


@pytest.mark.parametrize("count", [5, 200])
def test_it_lists_who_has_seen_a_record_in_a_constant_number_of_queries(
    client, patient_user, count, django_assert_num_queries
):
    _entries(count, patient_id=patient_user.patient.pk, username="someone", role="nurse")
    client.force_login(patient_user)
    # session, the user with their roles, two-factor devices (2), patient, its log
    # entry, count, page (with users)
    with django_assert_num_queries(8):
        assert client.get("/portal/access/").status_code == 200


def test_it_redacts_reset_links_in_logged_paths():
    """Issue 14, finding 7: tokens, invitation and reset links never reach the log."""

    assert redact_path("/accounts/reset/MTI/abc-123/") == "/accounts/reset/[redacted]/[redacted]/"
    assert redact_path("/accounts/reset/MTI/set-password/") == (
        "/accounts/reset/[redacted]/[redacted]/"
    )
    assert redact_path("/calendar/feed/s3cr3t.ics") == "/calendar/feed/[redacted].ics"
    assert redact_path("/accounts/reset/done/") == "/accounts/reset/done/"


def test_it_reads_the_client_address_only_through_trusted_proxies(client, nurse, helen, settings):
    """Issue 14, finding 11: behind the proxy every entry showed the proxy."""
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client.force_login(nurse)
    client.get(
        f"/nurse/patients/{helen.pk}/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7",
    )
    client.get(
        f"/nurse/patients/{helen.pk}/",
        REMOTE_ADDR="198.51.100.9",  # not a proxy: its header is not believed
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    ips = [e.ip for e in entries(action="view", patient_id=helen.pk)]
    assert ips == ["203.0.113.7", "198.51.100.9"]


def test_it_locks_out_by_the_forwarded_address_not_the_proxy(client, settings, nurse):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": "someone", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.66",
        )

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}


def test_deleting_a_user_in_admin_leaves_every_entry_intact(client, administrator, nurse, helen):
    """Issue 14, finding 10: deleting a user set user_id to NULL on their entries."""
    administrator.is_superuser = True
    administrator.save()
    client.force_login(nurse)
    client.get(f"/nurse/patients/{helen.pk}/")
    before = list(AccessLog.objects.filter(user=nurse).values_list("pk", "username"))
    assert before
    client.force_login(administrator)
    client.post(f"/admin/auth/user/{nurse.pk}/delete/", {"post": "yes"})
    after = list(AccessLog.objects.filter(user_id=nurse.pk).values_list("pk", "username"))
    assert after == before and all(name == nurse.username for _, name in after)


def test_admin_offers_deactivate_not_delete_and_keeps_the_history(
    client, administrator, nurse, helen
):
    """Issue 14, finding 10: staff are deactivated; the nurse's session ends at once."""
    administrator.is_superuser = True
    administrator.save()
    nurse_client = Client()
    nurse_client.force_login(nurse)
    assert nurse_client.get(f"/nurse/patients/{helen.pk}/").status_code == 200
    before = list(AccessLog.objects.filter(user=nurse).values_list("pk", "username"))
    client.force_login(administrator)
    user_list = client.get("/admin/auth/user/").content.decode()
    assert 'value="deactivate"' in user_list and 'value="delete_selected"' not in user_list
    assert client.get(f"/admin/auth/user/{nurse.pk}/delete/").status_code == 403
    response = client.post(
        "/admin/auth/user/",
        {"action": "deactivate", "_selected_action": [nurse.pk, administrator.pk], "index": "0"},
        follow=True,
    )
    page = response.content.decode()
    assert "1 account was deactivated" in page and "You cannot deactivate yourself" in page
    assert "1 active patients still have a deactivated primary nurse" in page
    nurse.refresh_from_db()
    administrator.refresh_from_db()
    assert not nurse.is_active and administrator.is_active
    assert nurse_client.get(f"/nurse/patients/{helen.pk}/").status_code == 302  # signed out
    signing_in = Client().post(
        "/accounts/login/", {"username": nurse.username, "password": "test-password-123"}
    )
    assert signing_in.status_code == 200  # the form again: an inactive account cannot sign in
    after = list(AccessLog.objects.filter(user=nurse).values_list("pk", "username"))
    assert after[: len(before)] == before
    (entry,) = entries(action="deactivate", object_id=str(nurse.pk))
    assert entry.user == administrator and entry.object_type == "user"


def test_it_logs_a_refused_check_in_and_a_reassignment(
    client, helen, nurse, nurse2, patient_user, administrator
):
    plan = careplan_create(
        diagnosis=helen.diagnoses.get(),
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=timezone.localdate() - timedelta(days=100),
        owner=nurse,
    )
    checkin = checkin_open(plan, timezone.localdate())
    client.force_login(patient_user)
    assert client.get(f"/portal/checkin/{checkin.pk}/").status_code == 404
    (refused,) = entries(outcome="denied", patient_id=helen.pk)
    assert (refused.user, refused.object_type) == (patient_user, "checkin")
    client.force_login(administrator)
    client.post(f"/dashboard/patients/{helen.pk}/reassign/", {"nurse": nurse2.pk})
    changed = entries(action="change", patient_id=helen.pk, user=administrator)
    assert [e.object_type for e in changed][:1] == ["patient"]
