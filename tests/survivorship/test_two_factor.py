"""Two-factor sign-in: enrolment by QR code, codes at sign-in, backup codes, resets."""

import re
import time as real_time
from base64 import b32decode
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp import models as totp_models
from django_otp.plugins.otp_totp.models import TOTPDevice

from survivorship.two_factor import services as services_2fa
from survivorship.web.reauth import PASSWORD_CONFIRMED_AT

PASSWORD = "test-password-123"
SETUP, VERIFY, MANAGE = "/accounts/2fa/setup/", "/accounts/2fa/verify/", "/accounts/2fa/"
BACKUP_CODES, DISABLE = "/accounts/2fa/backup-codes/", "/accounts/2fa/disable/"


class Clock:
    """The clock TOTPDevice reads, moved by hand: a test can reach the next 30 s step."""

    def __init__(self):
        self.now = real_time.time()

    def time(self):
        return self.now

    def advance(self, seconds=30):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    # TOTPDevice.verify_token calls time.time() through its module's `time` name.
    monkeypatch.setattr(totp_models, "time", clock)
    return clock


@pytest.fixture
def required(settings):
    settings.STAFF_2FA_REQUIRED = True


def code_for(device, clock) -> str:
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    totp.time = clock.now
    return f"{totp.token():0{device.digits}d}"


def sign_in(client, user):
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})


def sign_out(client):
    client.post("/accounts/logout/")


def wait_out_throttle(user):
    """As if the user waited: django-otp only delays the next try after a failure."""
    an_hour_ago = timezone.now() - timedelta(hours=1)
    TOTPDevice.objects.filter(user=user).update(throttling_failure_timestamp=an_hour_ago)
    StaticDevice.objects.filter(user=user).update(throttling_failure_timestamp=an_hour_ago)


def enrolled(user, clock) -> TOTPDevice:
    """A confirmed authenticator whose first code was used a step ago."""
    device = services_2fa.totp_enrol(user=user)
    assert services_2fa.totp_confirm(device=device, code=code_for(device, clock)).ok
    clock.advance()
    device.refresh_from_db()
    return device


def backup_codes_of(user) -> list[str]:
    return list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def enrol_through_pages(client, clock):
    """Drive the setup page; return the device and the backup codes the next page shows."""
    client.get(SETUP)
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(SETUP, {"code": code_for(device, clock), "next": "/"})
    assert response.status_code == 302 and response["Location"] == BACKUP_CODES
    page = client.get(BACKUP_CODES).content.decode()
    codes = re.findall(r"<code>([a-z2-7]{8})</code>", page)
    clock.advance()
    device.refresh_from_db()
    return device, codes


@pytest.mark.parametrize("path", ["/", "/nurse/", "/dashboard/", "/portal/"])
def test_it_sends_a_nurse_without_a_device_to_enrol_from_any_page(client, required, nurse, path):
    sign_in(client, nurse)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next={path}"


def test_it_sends_an_administrator_without_a_device_to_enrol_before_the_admin(
    client, required, administrator
):
    sign_in(client, administrator)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)


def test_it_lets_staff_in_without_a_device_when_a_demo_relaxes_the_rule(client, settings, nurse):
    settings.STAFF_2FA_REQUIRED = False
    sign_in(client, nurse)
    assert client.get("/nurse/").status_code == 200


def test_it_shows_a_qr_code_drawn_on_the_server_and_the_key_to_type(client, required, nurse):
    sign_in(client, nurse)
    response = client.get(f"{SETUP}?next=/nurse/")
    page = response.content.decode()
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=nurse)
    assert device.confirmed is False and device.name == "Authenticator app"
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and "<path" in svg
    assert "style=" not in page  # the CSP allows no inline styles...
    assert re.findall(r"<script(?![^>]*\ssrc=)", page) == []  # ...and no inline scripts
    # Nothing on the page points anywhere else: the QR code is not fetched from a service.
    assert re.findall(r"https?://", page) == []
    assert "otpauth://" not in page  # the URI is in the QR code, not in the markup
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', page).group(1)
    assert b32decode(secret.replace(" ", "")) == device.bin_key
    assert 'name="csrfmiddlewaretoken"' in page
    # A reload shows the same secret, not a new one the app doesn't know.
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=nurse).count() == 1


def test_it_confirms_a_device_with_its_first_code_and_shows_backup_codes_once(
    client, required, nurse, clock
):
    sign_in(client, nurse)
    client.get(f"{SETUP}?next=/nurse/")
    device = TOTPDevice.objects.get(user=nurse)

    wrong = f"{(int(code_for(device, clock)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong, "next": "/nurse/"})
    assert response.status_code == 200
    assert "That code didn&#x27;t match" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get("/nurse/")["Location"].startswith(SETUP)

    wait_out_throttle(nurse)
    response = client.post(SETUP, {"code": code_for(device, clock), "next": "/nurse/"})
    assert response.status_code == 302 and response["Location"] == BACKUP_CODES
    device.refresh_from_db()
    assert device.confirmed is True

    page = client.get(BACKUP_CODES).content.decode()
    shown = re.findall(r"<code>([a-z2-7]{8})</code>", page)
    assert len(shown) == 10 and sorted(shown) == sorted(backup_codes_of(nurse))
    assert "only time these codes are shown" in page
    assert 'href="/nurse/"' in page
    # Shown once: a reload (or the back button) does not show them again.
    again = client.get(BACKUP_CODES)
    assert again.status_code == 302 and again["Location"] == MANAGE
    assert not any(code in client.get(MANAGE).content.decode() for code in shown)
    # The session that enrolled counts as verified.
    assert client.get("/nurse/").status_code == 200


def test_it_asks_for_a_code_after_the_password_and_lets_the_right_code_in(
    client, required, nurse, clock
):
    device = enrolled(nurse, clock)
    sign_in(client, nurse)
    response = client.get("/nurse/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=/nurse/"
    page = client.get(response["Location"]).content.decode()
    assert "Enter your code" in page and ">Sign out</button>" in page
    session_before = client.session.session_key

    response = client.post(VERIFY, {"code": code_for(device, clock), "next": "/nurse/"})
    assert response.status_code == 302 and response["Location"] == "/nurse/"
    assert client.get("/nurse/").status_code == 200
    assert client.session.session_key != session_before


def test_it_refuses_a_code_that_was_already_used(client, required, nurse, clock):
    device = enrolled(nurse, clock)
    code = code_for(device, clock)
    sign_in(client, nurse)
    assert client.post(VERIFY, {"code": code})["Location"] == "/"
    sign_out(client)

    sign_in(client, nurse)
    wait_out_throttle(nurse)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert "each code works only once" in response.content.decode()
    assert client.get("/nurse/")["Location"].startswith(VERIFY)


def test_it_accepts_each_backup_code_only_once(client, required, nurse, clock):
    enrolled(nurse, clock)
    first, second = backup_codes_of(nurse)[:2]

    sign_in(client, nurse)
    response = client.post(VERIFY, {"code": first.upper()[:4] + "-" + first[4:], "next": "/"})
    assert response.status_code == 302
    assert "9 left" in client.get("/nurse/").content.decode()
    sign_out(client)

    sign_in(client, nurse)
    response = client.post(VERIFY, {"code": first})
    assert response.status_code == 200 and "didn&#x27;t work" in response.content.decode()
    wait_out_throttle(nurse)
    assert client.post(VERIFY, {"code": second})["Location"] == "/"
    assert len(backup_codes_of(nurse)) == 8


def test_it_lets_a_patient_sign_in_without_a_code_until_they_turn_it_on(
    client, required, patient_user, clock
):
    sign_in(client, patient_user)
    assert client.get("/portal/").status_code == 200
    manage = client.get(MANAGE).content.decode()
    assert ">Off<" in manage and "Turn on two-factor sign-in" in manage

    device, codes = enrol_through_pages(client, clock)
    assert len(codes) == 10
    assert ">On<" in client.get(MANAGE).content.decode()
    sign_out(client)

    sign_in(client, patient_user)
    assert client.get("/portal/")["Location"] == f"{VERIFY}?next=/portal/"
    response = client.post(VERIFY, {"code": code_for(device, clock), "next": "/portal/"})
    assert response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_it_lets_a_patient_turn_it_off_with_their_password(client, required, patient_user, clock):
    enrolled(patient_user, clock)
    sign_in(client, patient_user)
    client.post(VERIFY, {"code": backup_codes_of(patient_user)[0]})

    response = client.post(DISABLE, {"password": "not-my-password"})
    assert response.status_code == 200
    assert "That password is not right" in response.content.decode()
    assert TOTPDevice.objects.filter(user=patient_user, confirmed=True).exists()

    response = client.post(DISABLE, {"password": PASSWORD}, follow=True)
    assert "Two-factor sign-in is off" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=patient_user).exists()
    assert not StaticDevice.objects.filter(user=patient_user).exists()
    sign_out(client)
    sign_in(client, patient_user)
    assert client.get("/portal/").status_code == 200


def test_it_refuses_to_turn_it_off_for_staff_while_it_is_required(client, required, nurse, clock):
    device = enrolled(nurse, clock)
    sign_in(client, nurse)
    client.post(VERIFY, {"code": code_for(device, clock)})
    manage = client.get(MANAGE).content.decode()
    assert "must keep two-factor sign-in on" in manage
    assert 'action="/accounts/2fa/disable/"' not in manage

    response = client.post(DISABLE, {"password": PASSWORD}, follow=True)
    assert "must keep two-factor sign-in on" in response.content.decode()
    assert TOTPDevice.objects.filter(user=nurse, confirmed=True).exists()
    with pytest.raises(services_2fa.TwoFactorRequired):
        services_2fa.two_factor_disable(user=nurse)


def test_it_keeps_every_two_factor_page_behind_the_code_once_enrolled(
    client, required, patient_user, clock
):
    """A password alone must not add a device, show or make codes, or turn it off."""
    enrolled(patient_user, clock)
    sign_in(client, patient_user)
    for method, path in [
        ("get", SETUP),
        ("post", SETUP),
        ("get", MANAGE),
        ("post", BACKUP_CODES),
        ("post", DISABLE),
    ]:
        response = getattr(client, method)(path, {"password": PASSWORD, "code": "123456"})
        assert response.status_code == 302, path
        assert response["Location"].startswith(VERIFY), path
    assert TOTPDevice.objects.filter(user=patient_user).count() == 1
    assert len(backup_codes_of(patient_user)) == 10


def test_it_makes_new_backup_codes_and_cancels_the_old_ones(client, required, nurse, clock):
    device = enrolled(nurse, clock)
    old = backup_codes_of(nurse)
    sign_in(client, nurse)
    client.post(VERIFY, {"code": code_for(device, clock)})

    response = client.post(BACKUP_CODES)
    assert response["Location"] == BACKUP_CODES
    page = client.get(BACKUP_CODES).content.decode()
    shown = re.findall(r"<code>([a-z2-7]{8})</code>", page)
    assert sorted(shown) == sorted(backup_codes_of(nurse)) and len(shown) == 10
    assert not set(shown) & set(old)
    assert "10</strong>" in client.get(MANAGE).content.decode()


def test_it_lets_a_nurse_replace_a_lost_phone_while_signed_in(client, required, nurse, clock):
    old = enrolled(nurse, clock)
    sign_in(client, nurse)
    client.post(VERIFY, {"code": code_for(old, clock)})
    clock.advance()
    page = client.get(SETUP).content.decode()
    assert "Replace your authenticator app" in page
    new = TOTPDevice.objects.get(user=nurse, confirmed=False)
    assert client.post(SETUP, {"code": code_for(new, clock)})["Location"] == BACKUP_CODES
    assert list(TOTPDevice.objects.filter(user=nurse)) == [new]


def test_it_lets_an_administrator_reset_a_nurses_two_factor_sign_in(
    client, required, nurse, administrator, clock
):
    enrolled(nurse, clock)
    admin_device = enrolled(administrator, clock)
    administrator.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="auth", codename__endswith="_user")
    )
    sign_in(client, administrator)
    client.post(VERIFY, {"code": code_for(admin_device, clock)})

    changelist = client.get("/admin/auth/user/").content.decode()
    assert "Reset two-factor sign-in" in changelist
    response = client.post(
        "/admin/auth/user/",
        {"action": "reset_two_factor", "_selected_action": [nurse.pk]},
        follow=True,
    )
    assert "Two-factor sign-in was reset for 1 user" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=nurse).exists()
    assert not StaticDevice.objects.filter(user=nurse).exists()
    assert TOTPDevice.objects.filter(user=administrator).exists()

    client.logout()
    sign_in(client, nurse)
    assert client.get("/nurse/")["Location"] == f"{SETUP}?next=/nurse/"


def test_it_ends_a_verified_session_when_the_device_is_reset(client, required, nurse, clock):
    device = enrolled(nurse, clock)
    sign_in(client, nurse)
    client.post(VERIFY, {"code": code_for(device, clock)})
    assert client.get("/nurse/").status_code == 200
    services_2fa.two_factor_reset(user=nurse)
    assert client.get("/nurse/")["Location"].startswith(SETUP)


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/", "javascript:x"],
)
def test_it_never_sends_anyone_off_site_after_the_code(client, required, nurse, clock, next_url):
    device = enrolled(nurse, clock)
    sign_in(client, nurse)
    page = client.get(VERIFY, {"next": next_url}).content.decode()
    assert "evil.example" not in page
    response = client.post(VERIFY, {"code": code_for(device, clock), "next": next_url})
    assert response.status_code == 302 and response["Location"] == "/"


def test_it_says_too_many_tries_after_repeated_wrong_codes(client, required, nurse, clock):
    device = enrolled(nurse, clock)
    right = code_for(device, clock)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    sign_in(client, nurse)
    first = client.post(VERIFY, {"code": wrong}).content.decode()
    assert "didn&#x27;t work" in first and "Too many tries" not in first

    second = client.post(VERIFY, {"code": wrong}).content.decode()
    assert "Too many tries, wait a moment" in second
    # While throttled even the right code is not checked.
    third = client.post(VERIFY, {"code": right}).content.decode()
    assert "Too many tries, wait a moment" in third
    assert client.get("/nurse/")["Location"].startswith(VERIFY)

    wait_out_throttle(nurse)
    assert client.post(VERIFY, {"code": right})["Location"] == "/"


def test_it_requires_csrf_on_every_change(required, patient_user, clock):

    client = Client(enforce_csrf_checks=True)
    client.force_login(patient_user)
    for path in (SETUP, BACKUP_CODES, DISABLE, VERIFY):
        assert client.post(path, {"code": "123456", "password": PASSWORD}).status_code == 403


def test_it_opens_the_two_factor_page_to_every_role(client, personas):
    for name in ("nurse", "administrator", "patient"):
        client.force_login(personas[name])
        assert client.get(MANAGE).status_code == 200


# --- Re-authentication before two-factor changes (issue 14, finding 9) ------------------

CONFIRM = "/accounts/2fa/confirm-password/"


def password_typed_long_ago(client, settings):
    session = client.session
    session[PASSWORD_CONFIRMED_AT] = real_time.time() - settings.TWO_FACTOR_REAUTH_SECONDS - 1
    session.save()


def test_it_asks_for_the_password_again_before_a_new_authenticator_or_new_codes(
    client, required, settings, nurse, clock
):
    device = enrolled(nurse, clock)
    old_codes = backup_codes_of(nurse)
    sign_in(client, nurse)
    client.post(VERIFY, {"code": code_for(device, clock)})
    password_typed_long_ago(client, settings)

    response = client.get(SETUP)
    assert response["Location"] == f"{CONFIRM}?next=%2Faccounts%2F2fa%2Fsetup%2F"
    assert client.post(SETUP, {"code": "123456"})["Location"].startswith(CONFIRM)
    assert client.post(BACKUP_CODES)["Location"].startswith(CONFIRM)
    assert list(TOTPDevice.objects.filter(user=nurse)) == [device]  # no new device
    assert backup_codes_of(nurse) == old_codes

    wrong = client.post(CONFIRM, {"password": "not-my-password", "next": SETUP})
    assert wrong.status_code == 200 and "That password is not right" in wrong.content.decode()
    assert client.get(SETUP)["Location"].startswith(CONFIRM)

    right = client.post(CONFIRM, {"password": PASSWORD, "next": SETUP})
    assert right["Location"] == SETUP
    assert "Replace your authenticator app" in client.get(SETUP).content.decode()
    assert client.post(BACKUP_CODES)["Location"] == BACKUP_CODES
    assert not set(backup_codes_of(nurse)) & set(old_codes)


def test_it_asks_a_patient_for_the_password_before_turning_two_factor_on(
    client, settings, patient_user
):
    sign_in(client, patient_user)
    password_typed_long_ago(client, settings)
    assert client.get(SETUP)["Location"].startswith(CONFIRM)
    assert not TOTPDevice.objects.filter(user=patient_user).exists()


def test_it_needs_no_second_prompt_just_after_signing_in(client, settings, patient_user):
    settings.TWO_FACTOR_REAUTH_SECONDS = 300
    sign_in(client, patient_user)
    assert client.get(SETUP).status_code == 200


def test_it_signs_out_after_five_wrong_passwords_on_the_confirm_page(
    client, settings, patient_user
):
    sign_in(client, patient_user)
    password_typed_long_ago(client, settings)
    for _ in range(4):
        assert client.post(CONFIRM, {"password": "guess"}).status_code == 200
    response = client.post(CONFIRM, {"password": "guess"})
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/portal/")["Location"].startswith("/accounts/login/")
