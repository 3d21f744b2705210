"""Caregivers: their own account, only the patients who granted them, logged as themselves."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from followup.models import CarePlanTemplate, SymptomReport
from followup.services import plans as plan_services
from patients import services
from patients.fhir.export import response_resource
from patients.models import CaregiverGrant
from survivorship.models import AccessLog
from survivorship.roles import Role
from tests.support.factories import make_helen, make_patient, make_staff

PASSWORD = "a-long-caregiver-passphrase"
ALL = dict.fromkeys(services.GRANT_PERMISSIONS, True)


@pytest.fixture
def helen_user(helen, django_user_model):
    user = django_user_model.objects.create_user("helen-portal", password="x", email="h@x.org")
    helen.user = user
    helen.save()
    return user


@pytest.fixture
def plan(helen, nurse):
    return plan_services.careplan_create(
        diagnosis=helen.diagnoses.get(),
        template=CarePlanTemplate.objects.get(code="breast"),
        start_date=timezone.localdate() - timedelta(days=100),
        owner=nurse,
    )


def grant(patient, by, email="sam@example.org", **permissions):
    return services.caregiver_grant_create(
        patient=patient,
        name="Sam Marsh",
        relationship="son",
        email=email,
        by=by,
        base_url="http://testserver/",
        permissions=permissions or ALL,
    )


def accept_invitation(client, email_body: str, username: str) -> None:
    link = re.search(r"http://testserver(/\S+)", email_body).group(1)
    form_page = client.get(link, follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert done.status_code == 302
    signed_in = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert signed_in.status_code == 302


def test_the_patient_invites_a_caregiver_who_sees_the_plan_under_their_own_name(
    client, helen, helen_user, plan, django_capture_on_commit_callbacks
):
    client.force_login(helen_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/portal/caregivers/",
            {"name": "Sam Marsh", "relationship": "son", "email": "sam@example.org",
             "can_see_plan": "on", "can_report": "on"},
        )  # fmt: skip
    assert response.status_code == 302
    (letter,) = mail.outbox
    assert letter.to == ["sam@example.org"] and "breast" not in letter.body.lower()
    grant_row = CaregiverGrant.objects.get()
    assert (grant_row.granted_via, grant_row.can_report, grant_row.can_see_reports) == (
        "portal",
        True,
        False,
    )
    client.logout()
    accept_invitation(client, letter.body, grant_row.caregiver.username)
    assert client.get("/")["Location"] == "/care/"
    home = client.get("/care/").content.decode()
    assert "Helen Marsh" in home
    page = client.get(f"/care/{helen.pk}/").content.decode()
    assert "Care plan" in page and "Report a symptom for Helen" in page
    assert "Recent symptom reports" not in page  # not granted
    entry = AccessLog.objects.filter(patient_id=helen.pk, user=grant_row.caregiver).last()
    assert entry.action == "view" and "caregiver" in entry.role
    client.force_login(helen_user)
    seen = client.get("/portal/access/").content.decode()
    assert "Sam (caregiver)" in seen or "Sam Marsh (caregiver)" in seen


def test_a_caregivers_report_is_triaged_the_same_and_says_who_sent_it(
    client, helen, helen_user, plan, nurse
):
    caregiver = grant(helen, helen_user).caregiver
    client.force_login(caregiver)
    form = client.get(f"/care/{helen.pk}/report/")
    assert "You are reporting for" in form.content.decode()
    key = form.context["form"].initial["submission_key"]
    sent = client.post(
        f"/care/{helen.pk}/report/",
        {"submission_key": key, "sign_pain": "on", "severity_pain": "severe", "trend_pain": "new"},
    )
    report = SymptomReport.objects.get()
    assert sent["Location"] == f"/care/{helen.pk}/reports/{report.pk}/"
    assert report.reported_by == caregiver and report.reported_by_name == "Sam Marsh, son"
    assert report.triage_level == "urgent" and report.triage_rule == "severe_sign"
    assert response_resource(report)["source"] == {
        "type": "RelatedPerson",
        "display": "Sam Marsh, son (caregiver)",
    }
    client.force_login(nurse)
    queue = client.get("/nurse/reports/").content.decode()
    assert "Reported by caregiver Sam Marsh, son" in queue
    detail = client.get(f"/nurse/reports/{report.pk}/").content.decode()
    assert "reported by caregiver Sam Marsh, son" in detail


def test_revoking_refuses_the_caregivers_next_request_and_logs_it(client, helen, helen_user, plan):
    given = grant(helen, helen_user)
    given.caregiver.set_password(PASSWORD)  # an accepted invitation
    given.caregiver.save()
    client.force_login(given.caregiver)
    assert client.get(f"/care/{helen.pk}/").status_code == 200
    client.force_login(helen_user)
    confirm = client.get(f"/portal/caregivers/{given.pk}/end/")
    assert "End access for Sam Marsh?" in confirm.content.decode()
    assert CaregiverGrant.objects.get().revoked_at is None  # a GET changes nothing
    client.post(f"/portal/caregivers/{given.pk}/end/")
    assert CaregiverGrant.objects.get().revoked_at is not None
    client.force_login(given.caregiver)
    assert client.get(f"/care/{helen.pk}/").status_code == 404
    assert client.get(f"/care/{helen.pk}/report/").status_code == 404
    assert "Nobody has shared their portal" in client.get("/care/").content.decode()
    denied = AccessLog.objects.filter(user=given.caregiver, patient_id=helen.pk, outcome="denied")
    assert denied.count() == 2
    client.force_login(helen_user)
    again = client.post(f"/portal/caregivers/{given.pk}/end/", follow=True)
    assert "already ended" in again.content.decode()


def test_an_unused_invitation_stops_working_once_access_is_ended(
    client, helen, helen_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        given = grant(helen, helen_user)
    services.caregiver_grant_revoke(grant=given, by=helen_user)
    link = re.search(r"http://testserver(/\S+)", mail.outbox[0].body).group(1)
    page = client.get(link, follow=True).content.decode()
    assert "This link no longer works" in page


def test_a_caregiver_sees_each_granting_patient_and_no_one_else(client, helen, helen_user, nurse):
    other = make_patient(nurse, "MRN-2", "Ruth", "Other")
    third = make_patient(nurse, "MRN-3", "Tom", "Third")
    first = grant(helen, helen_user)
    second = services.caregiver_grant_create(
        patient=other,
        name="Sam Marsh",
        email="SAM@example.org",  # the same person: one account, two grants
        by=nurse,
        base_url="http://testserver/",
        consent_on=timezone.localdate(),
        consent_method="phone",
    )
    assert second.caregiver == first.caregiver and second.granted_via == "nurse"
    client.force_login(first.caregiver)
    home = client.get("/care/").content.decode()
    assert "Helen Marsh" in home and "Ruth Other" in home and "Tom Third" not in home
    assert client.get(f"/care/{third.pk}/").status_code == 404
    assert client.get("/care/999999/").status_code == 404
    assert client.get("/portal/").status_code == 403  # a caregiver is not a patient


@pytest.mark.parametrize(
    ("email", "problem"),
    [("nina-nurse@example.org", "staff"), ("h@x.org", "own address")],
)
def test_a_patient_cannot_grant_access_to_staff_or_to_themselves(
    client, helen_user, nurse, email, problem
):
    client.force_login(helen_user)
    response = client.post(
        "/portal/caregivers/", {"name": "Someone", "email": email, "can_see_plan": "on"}
    )
    assert response.status_code == 400 and problem in response.content.decode()
    assert not CaregiverGrant.objects.exists()
    assert not nurse.groups.filter(name="Caregiver").exists()


def test_it_asks_for_at_least_one_permission(client, helen_user):
    client.force_login(helen_user)
    response = client.post("/portal/caregivers/", {"name": "Sam", "email": "s@example.org"})
    assert "Choose at least one thing" in response.content.decode()


def test_a_caregiver_without_the_report_permission_cannot_report(client, helen, helen_user):
    caregiver = grant(helen, helen_user, can_see_plan=True, can_report=False).caregiver
    client.force_login(caregiver)
    assert client.get(f"/care/{helen.pk}/").status_code == 200
    assert client.get(f"/care/{helen.pk}/report/").status_code == 404


def test_a_nurse_records_consent_and_only_for_her_own_patients(client, helen, nurse, nurse2):
    client.force_login(nurse)
    data = {"name": "Sam Marsh", "email": "sam@example.org", "can_see_plan": "on"}
    missing = client.post(f"/nurse/patients/{helen.pk}/caregivers/", data)
    assert missing.status_code == 400 and not CaregiverGrant.objects.exists()
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    ahead = client.post(
        f"/nurse/patients/{helen.pk}/caregivers/",
        {**data, "consent_on": future, "consent_method": "phone"},
    )
    assert "cannot be dated in the future" in ahead.content.decode()
    ok = client.post(
        f"/nurse/patients/{helen.pk}/caregivers/",
        {**data, "consent_on": timezone.localdate().isoformat(), "consent_method": "in_person"},
    )
    assert ok.status_code == 302
    given = CaregiverGrant.objects.get()
    assert (given.granted_by, given.consent_method) == (nurse, "in_person")
    client.force_login(nurse2)
    assert client.get(f"/nurse/patients/{helen.pk}/caregivers/").status_code == 404
    assert client.post(f"/nurse/patients/{helen.pk}/caregivers/{given.pk}/end/").status_code == 404
    with pytest.raises(Exception, match="care team"):
        services.caregiver_grant_create(
            patient=helen,
            name="X",
            email="x@example.org",
            by=nurse2,
            base_url="http://t/",
            consent_on=timezone.localdate(),
            consent_method="phone",
        )


def test_the_caregiver_list_runs_the_same_queries_for_one_or_five_patients(
    client, nurse, django_assert_num_queries
):
    caregiver = make_staff("carer", Role.CAREGIVER)  # carer@example.org

    def add(n):
        for i in range(n):
            patient = (
                make_helen(nurse) if False else make_patient(nurse, f"M-{n}-{i}", f"P{i}", "Q")
            )
            services.caregiver_grant_create(
                patient=patient, name="Carer", email="carer@example.org", by=nurse,
                base_url="http://t/", consent_on=timezone.localdate(), consent_method="phone",
            )  # fmt: skip

    add(1)
    client.force_login(caregiver)
    # session and the user with their roles (no device), then the page's own queries
    with django_assert_num_queries(5) as one:
        client.get("/care/")
    add(4)
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get("/care/").content.decode().count("list-group-item") == 5
