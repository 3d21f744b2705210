"""Every patient-bound URL, for every role: only the care team gets in; others get 404/403."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from patients.models import Patient
from survivorship.models import AccessLog
from tests.support.factories import make_patient


def patient_urls(helen):
    diagnosis = helen.diagnoses.get()
    treatment = diagnosis.treatments.get()
    event = diagnosis.status_events.get()
    return [
        ("get", f"/nurse/patients/{helen.pk}/"),
        ("get", f"/nurse/patients/{helen.pk}/edit/"),
        ("get", f"/nurse/patients/{helen.pk}/delete/"),
        ("post", f"/nurse/patients/{helen.pk}/invite/"),
        ("get", f"/nurse/patients/{helen.pk}/diagnoses/new/"),
        ("get", f"/nurse/diagnoses/{diagnosis.pk}/edit/"),
        ("get", f"/nurse/diagnoses/{diagnosis.pk}/delete/"),
        ("get", f"/nurse/diagnoses/{diagnosis.pk}/treatments/new/"),
        ("get", f"/nurse/diagnoses/{diagnosis.pk}/status/new/"),
        ("get", f"/nurse/treatments/{treatment.pk}/edit/"),
        ("get", f"/nurse/treatments/{treatment.pk}/delete/"),
        ("get", f"/nurse/status/{event.pk}/edit/"),
        ("get", f"/nurse/status/{event.pk}/delete/"),
        # A POST from outside the care team must not delete anything either.
        ("post", f"/nurse/status/{event.pk}/delete/"),
        ("post", f"/nurse/patients/{helen.pk}/delete/"),
    ]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("care_team_nurse", 200),
        ("other_nurse", 404),
        ("patient", 403),
        ("administrator", 403),
        ("anonymous", 302),
    ],
)
def test_it_admits_only_the_care_team_to_every_patient_bound_url(
    client, helen, nurse, nurse2, administrator, patient_user, persona, expected
):
    users = {
        "care_team_nurse": nurse,
        "other_nurse": nurse2,
        "patient": patient_user,
        "administrator": administrator,
        "anonymous": None,
    }
    urls = patient_urls(helen)
    if users[persona] is not None:
        client.force_login(users[persona])
    for method, url in urls:
        if persona == "care_team_nurse" and method == "post":
            continue  # the care team's own POSTs are covered by the feature tests
        response = getattr(client, method)(url)
        assert response.status_code == expected, f"{persona} {method} {url}"
        if expected != 200:
            assert "Helen" not in response.content.decode(), url
    assert Patient.objects.filter(pk=helen.pk).exists()
    assert helen.diagnoses.get().status_events.exists()


def test_it_lets_a_second_nurse_in_once_added_to_the_care_team(client, helen, nurse2):
    client.force_login(nurse2)
    assert client.get(f"/nurse/patients/{helen.pk}/").status_code == 404
    helen.care_team.add(nurse2)
    assert client.get(f"/nurse/patients/{helen.pk}/").status_code == 200


def test_it_lets_a_nurse_with_the_view_all_permission_see_everyone(client, helen, nurse2):

    nurse2.user_permissions.add(Permission.objects.get(codename="view_all_patients"))
    client.force_login(nurse2)
    assert client.get(f"/nurse/patients/{helen.pk}/").status_code == 200


def test_it_gives_administrators_every_patient_through_their_group(administrator, helen):
    assert list(Patient.objects.for_user(administrator)) == [helen]


def test_it_shows_a_patient_only_their_own_record(client, patient_user, patient2_user):
    client.force_login(patient_user)
    page = client.get("/portal/").content.decode()
    assert "Paula Quinn" in page and "MRN-0001" in page
    assert "Rafael" not in page and "MRN-0002" not in page
    assert list(Patient.objects.for_user(patient_user)) == [patient_user.patient]


def test_it_invites_a_patient_who_sets_a_password_and_sees_their_own_record(
    client, nurse, helen, django_capture_on_commit_callbacks
):
    client.force_login(nurse)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/nurse/patients/{helen.pk}/invite/")
    link = response.context["invitation"].set_password_url
    assert "We also emailed the link to helen@example.org" in response.content.decode()
    assert len(mail.outbox) == 1 and link in mail.outbox[0].body
    assert "breast" not in mail.outbox[0].body.lower()  # no diagnosis in an email

    client.logout()
    form_page = client.get(link, follow=True)
    assert "Choose your password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-long-portal-passphrase", "new_password2": "a-long-portal-passphrase"},
    )
    assert done.status_code == 302
    username = Patient.objects.get(pk=helen.pk).user.username
    client.post("/accounts/login/", {"username": username, "password": "a-long-portal-passphrase"})
    portal = client.get("/portal/").content.decode()
    assert "Hello, Helen" in portal and "MRN-1001" in portal and "Breast cancer" in portal

    client.logout()
    reused = client.get(link, follow=True).content.decode()
    assert "This link no longer works" in reused


def test_it_does_not_create_a_second_account_when_inviting_again(client, nurse, helen):
    client.force_login(nurse)
    client.post(f"/nurse/patients/{helen.pk}/invite/")
    first = Patient.objects.get(pk=helen.pk).user_id
    client.post(f"/nurse/patients/{helen.pk}/invite/")
    assert Patient.objects.get(pk=helen.pk).user_id == first


def test_it_refuses_an_invitation_by_get(client, nurse, helen):
    client.force_login(nurse)
    assert client.get(f"/nurse/patients/{helen.pk}/invite/").status_code == 405
    assert Patient.objects.get(pk=helen.pk).user is None


def test_it_never_shows_another_caseloads_patient_in_a_list(client, nurse2, helen):
    make_patient(nurse2, "MRN-9", "Zed", "Other")
    client.force_login(nurse2)
    page = client.get("/nurse/?scope=all").content.decode()
    assert "Zed" in page and "Helen" not in page


def test_it_gives_portal_accounts_usernames_that_identify_nobody(client, nurse, helen):
    client.force_login(nurse)
    client.post(f"/nurse/patients/{helen.pk}/invite/")
    username = Patient.objects.get(pk=helen.pk).user.username
    assert username.startswith("patient-")
    for detail in ("mrn", "1001", "helen", "marsh"):
        assert detail not in username.lower()


def test_it_shows_no_link_when_reinviting_a_patient_who_has_a_password(
    client, nurse, helen, django_capture_on_commit_callbacks
):
    """Issue 14, finding 1: a nurse could take over an active portal account."""

    client.force_login(nurse)
    client.post(f"/nurse/patients/{helen.pk}/invite/")
    user = Patient.objects.get(pk=helen.pk).user
    user.set_password("the-patients-own-passphrase")
    user.save()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/nurse/patients/{helen.pk}/invite/")
    page = response.content.decode()
    assert "/accounts/reset/" not in page and 'data-testid="invite-link"' not in page
    assert response.context["invitation"].set_password_url == ""
    assert "We emailed a link to choose a new password to helen@example.org" in page
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["helen@example.org"]
    assert "/accounts/reset/" in mail.outbox[0].body
    user.refresh_from_db()
    assert user.check_password("the-patients-own-passphrase")
    assert AccessLog.objects.filter(
        action="reset-link", patient_id=helen.pk, username=nurse.username
    ).exists()
