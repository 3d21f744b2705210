"""The portal speaks the patient's language (issue 21): English or Spanish."""

import pytest
from django.test import Client

from patients.models import Patient
from survivorship.roles import Role
from tests.support.factories import make_staff

SPANISH_HOME = "Su plan de atención"
ENGLISH_HOME = "Your care plan"


def _sign_in(client, username):
    response = client.post(
        "/accounts/login/", {"username": username, "password": "test-password-123"}
    )
    assert response.status_code == 302, response.content.decode()[:500]


def _reads(patient_user, code):
    Patient.objects.filter(user=patient_user).update(preferred_language=code)


@pytest.mark.django_db
def test_a_spanish_patients_portal_is_spanish_after_sign_in(client, patient_user):
    _reads(patient_user, "es")
    _sign_in(client, "pat-one")
    page = client.get("/portal/").content.decode()
    assert '<html lang="es">' in page
    assert SPANISH_HOME in page and "Hola, Paula" in page and "Cerrar sesión" in page
    assert ENGLISH_HOME not in page


@pytest.mark.django_db
def test_an_english_patients_portal_stays_english(client, patient_user):
    _sign_in(client, "pat-one")
    page = client.get("/portal/").content.decode()
    assert '<html lang="en">' in page
    assert ENGLISH_HOME in page and "Hello, Paula" in page and SPANISH_HOME not in page


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["fr", "zh", "zz"])
def test_a_language_the_portal_does_not_speak_falls_back_to_english(client, patient_user, code):
    Patient.objects.filter(user=patient_user).update(preferred_language=code)
    client.force_login(patient_user)
    page = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert ENGLISH_HOME in page and '<html lang="en">' in page


@pytest.mark.django_db
def test_the_switch_changes_the_language_and_keeps_it_on_the_record(client, patient_user):
    client.force_login(patient_user)
    page = client.get("/portal/").content.decode()
    assert 'action="/i18n/setlang/"' in page and 'name="csrfmiddlewaretoken"' in page
    assert 'id="language-switch-label"' in page and 'value="es" lang="es"' in page
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/portal/"})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert Patient.objects.get(user=patient_user).preferred_language == "es"
    assert SPANISH_HOME in client.get("/portal/").content.decode()
    # Back to English, in this session and on the record.
    client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    assert Patient.objects.get(user=patient_user).preferred_language == "en"
    assert ENGLISH_HOME in client.get("/portal/").content.decode()


@pytest.mark.django_db
def test_the_choice_made_in_this_session_wins_over_the_record(client, patient_user):
    _reads(patient_user, "es")
    client.force_login(patient_user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    _reads(patient_user, "es")  # a nurse edits the record meanwhile
    assert ENGLISH_HOME in client.get("/portal/").content.decode()


@pytest.mark.django_db
def test_an_unknown_code_posted_to_the_switch_means_english(client, patient_user):
    _reads(patient_user, "es")
    client.force_login(patient_user)
    client.post("/i18n/setlang/", {"language": "zz", "next": "/portal/"})
    assert Patient.objects.get(user=patient_user).preferred_language == "en"
    assert ENGLISH_HOME in client.get("/portal/").content.decode()


@pytest.mark.django_db
def test_the_switch_refuses_to_send_anyone_to_another_site(client, patient_user):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_the_switch_needs_a_post_with_its_csrf_token(patient_user):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(patient_user)
    assert strict.get("/i18n/setlang/").status_code == 405
    assert strict.post("/i18n/setlang/", {"language": "es"}).status_code == 403
    assert Patient.objects.get(user=patient_user).preferred_language == "en"


@pytest.mark.django_db
def test_the_sign_in_page_follows_the_switch_and_the_browser(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Iniciar sesión" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Sign in" in page and "Iniciar sesión" not in page


@pytest.mark.django_db
def test_a_caregiver_reads_english_unless_they_choose_spanish(client):
    caregiver = make_staff("cara-caregiver", Role.CAREGIVER)
    client.force_login(caregiver)
    page = client.get("/care/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "People I help" in page
    client.post("/i18n/setlang/", {"language": "es", "next": "/care/"})
    assert "Personas a las que ayudo" in client.get("/care/").content.decode()


@pytest.mark.django_db
def test_staff_pages_stay_english_and_have_no_switch(client, nurse, patient_user):
    _reads(patient_user, "es")
    client.force_login(nurse)
    client.cookies["django_language"] = "es"
    page = client.get("/nurse/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="en">' in page and "Sign out" in page and "Cerrar sesión" not in page
    assert "language-switch" not in page


@pytest.mark.django_db
def test_the_nurse_sees_which_language_the_patient_reads(client, nurse, helen):
    client.force_login(nurse)
    url = f"/nurse/patients/{helen.pk}/"
    assert 'data-testid="reads-language"' not in client.get(url).content.decode()
    Patient.objects.filter(pk=helen.pk).update(preferred_language="es")
    page = client.get(url).content.decode()
    assert '<dt class="col-auto">Reads</dt>' in page
    assert '<dd class="col-auto" data-testid="reads-language">Spanish</dd>' in page
