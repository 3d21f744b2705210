import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone


@pytest.mark.parametrize(
    ("persona", "home"),
    [("nurse", "/nurse/"), ("administrator", "/dashboard/"), ("patient", "/portal/")],
)
def test_it_sends_each_role_to_its_home(client, personas, persona, home):
    client.force_login(personas[persona])
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == home
    page = client.get(home)
    assert page.status_code == 200


def test_it_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_tells_a_user_without_a_role_to_ask_an_administrator(client, db):
    client.force_login(User.objects.create_user("no-role"))
    response = client.get("/")
    assert response.status_code == 403
    assert "not set up as a nurse, an administrator or a patient" in response.content.decode()


def test_it_shows_each_role_its_own_navigation(client, personas):
    client.force_login(personas["nurse"])
    nurse_page = client.get("/nurse/").content.decode()
    assert "My caseload" in nurse_page and "My care<" not in nurse_page
    client.force_login(personas["patient"])
    portal = client.get("/portal/").content.decode()
    assert "My care" in portal and "My caseload" not in portal
    assert "Paula" in portal


def test_it_renders_the_standard_login_form(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert 'name="username"' in page and 'name="password"' in page
    labels = re.findall(r'<label\s+for="(id_\w+)"', page)
    assert labels == ["id_username", "id_password"]


def test_it_signs_in_with_the_login_form_and_out_with_a_post(client, nurse):
    response = client.post(
        "/accounts/login/", {"username": "nina-nurse", "password": "test-password-123"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get("/nurse/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/nurse/").status_code == 302


def test_it_says_why_a_wrong_password_fails(client, nurse):
    response = client.post("/accounts/login/", {"username": "nina-nurse", "password": "nope"})
    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()


def _fail(client, times):
    for _ in range(times):
        client.post("/accounts/login/", {"username": "nina-nurse", "password": "wrong"})


def test_it_locks_an_account_after_repeated_failures_with_a_clear_message(client, nurse, settings):
    _fail(client, settings.AXES_FAILURE_LIMIT)
    response = client.post(
        "/accounts/login/", {"username": "nina-nurse", "password": "test-password-123"}
    )
    assert response.status_code in (403, 429)
    assert "locked" in response.content.decode()
    assert client.get("/nurse/").status_code == 302  # the right password did not get in


def test_it_unlocks_the_account_when_the_cool_off_expires(client, nurse, settings):
    _fail(client, settings.AXES_FAILURE_LIMIT)
    expired = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=expired)
    response = client.post(
        "/accounts/login/", {"username": "nina-nurse", "password": "test-password-123"}
    )
    assert response.status_code == 302
    assert client.get("/nurse/").status_code == 200
