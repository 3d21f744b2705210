from django.utils import timezone

from survivorship.middleware import LAST_ACTIVITY, SESSION_STARTED


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
