from django.test import Client
from django.utils import timezone

from survivorship.web.middleware import LAST_ACTIVITY, SESSION_STARTED


def _login(client, user):
    client.post("/accounts/login/", {"username": user.username, "password": "test-password-123"})


def _shift(client, key, seconds_ago):
    session = client.session
    session[key] = timezone.now().timestamp() - seconds_ago
    session.save()


def test_it_keeps_an_active_session_alive_and_slides_the_idle_clock(client, nurse):
    _login(client, nurse)
    _shift(client, LAST_ACTIVITY, 20 * 60)
    assert client.get("/nurse/").status_code == 200
    assert timezone.now().timestamp() - client.session[LAST_ACTIVITY] < 5


def test_it_signs_out_after_thirty_minutes_idle(client, nurse):
    _login(client, nurse)
    _shift(client, LAST_ACTIVITY, 31 * 60)
    response = client.get("/nurse/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    page = client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in page
    assert 'role="status"' in page


def test_it_signs_out_after_twelve_hours_even_when_active(client, nurse):
    _login(client, nurse)
    _shift(client, SESSION_STARTED, 12 * 3600 + 60)
    assert client.get("/nurse/").status_code == 302


def test_it_never_lets_the_cookie_outlive_the_absolute_limit(settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


def test_it_never_lets_a_background_request_keep_a_session_alive(client, nurse):
    _login(client, nurse)
    _shift(client, LAST_ACTIVITY, 29 * 60)
    before = client.session[LAST_ACTIVITY]
    assert client.get("/nurse/", HTTP_X_BACKGROUND_REQUEST="1").status_code == 200
    assert client.session[LAST_ACTIVITY] == before  # the poll did not count as activity
    _shift(client, LAST_ACTIVITY, 31 * 60)
    response = client.get("/nurse/", HTTP_X_BACKGROUND_REQUEST="1")
    assert response.status_code == 302  # and it cannot skip the check either


def test_it_gives_a_new_session_key_at_login(client, nurse):
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    _login(client, nurse)
    assert client.session.session_key != before


def test_it_kills_the_session_on_the_server_at_logout(client, nurse):

    _login(client, nurse)
    stolen = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    thief = Client()
    thief.cookies["sessionid"] = stolen
    assert thief.get("/nurse/").status_code == 302


def test_it_ends_other_sessions_when_the_password_changes(nurse):

    laptop, phone = Client(), Client()
    _login(laptop, nurse)
    _login(phone, nurse)
    response = laptop.post(
        "/accounts/password/",
        {
            "old_password": "test-password-123",
            "new_password1": "a-new-long-passphrase-42",
            "new_password2": "a-new-long-passphrase-42",
        },
    )
    assert response["Location"] == "/accounts/password/done/"
    assert laptop.get("/nurse/").status_code == 200  # this session stays
    assert phone.get("/nurse/").status_code == 302  # the other one is over


def test_it_explains_a_wrong_old_password(client, nurse):
    _login(client, nurse)
    response = client.post(
        "/accounts/password/",
        {"old_password": "nope", "new_password1": "x-long-pass-123", "new_password2": "x"},
    )
    assert "Your old password was entered incorrectly" in response.content.decode()
