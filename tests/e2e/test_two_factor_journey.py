import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def code_now(key: bytes) -> str:
    return f"{TOTP(key).token():06d}"


def test_it_lets_a_nurse_enrol_an_authenticator_and_then_sign_in_with_a_code(
    live_server, page, screenshot, settings, nurse
):
    settings.STAFF_2FA_REQUIRED = True
    csp_violations = []
    page.on(
        "console",
        lambda msg: csp_violations.append(msg.text) if "Content Security" in msg.text else None,
    )
    login(page, live_server, nurse.username)
    page.wait_for_url(f"{live_server.url}/accounts/2fa/setup/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up two-factor sign-in"
    assert page.get_by_role("img", name="QR code to scan with your authenticator app").is_visible()
    screenshot("2fa-1-setup")

    # The nurse's phone cannot scan a headless browser: she types the key instead.
    page.get_by_text("Can't scan it? Type the key instead").click()
    secret = page.get_by_test_id("totp-secret").inner_text()
    key = b32decode(secret.replace(" ", ""))
    screenshot("2fa-2-key")

    wrong = f"{(int(code_now(key)) + 500_000) % 1_000_000:06d}"
    page.get_by_label("6-digit code from the app").fill(wrong)
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    assert "That code didn't match" in page.locator("main").inner_text()
    screenshot("2fa-3-wrong-code")

    page.wait_for_timeout(1200)  # django-otp asks for a second's pause after a wrong code
    page.get_by_label("6-digit code from the app").fill(code_now(key))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.wait_for_url(f"{live_server.url}/accounts/2fa/backup-codes/")
    codes = page.get_by_test_id("backup-codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    assert "only time these codes are shown" in page.locator("main").inner_text()
    screenshot("2fa-4-backup-codes")

    page.get_by_role("link", name="I have saved my codes").click()
    page.wait_for_url(f"{live_server.url}/nurse/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/**")

    # From now on: password, then a code.
    login(page, live_server, nurse.username)
    page.wait_for_url(f"{live_server.url}/accounts/2fa/verify/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Enter your code"
    screenshot("2fa-5-verify")

    # The code used to enrol cannot be used again: wait for the app's next code.
    used_step = TOTPDevice.objects.get(user=nurse).last_t
    while int(time.time()) // 30 <= used_step:
        time.sleep(0.5)
    page.get_by_label("Code").fill(code_now(key))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/nurse/")
    assert page.get_by_role("heading", level=1).inner_text() == "My caseload"
    screenshot("2fa-6-signed-in")

    # Phone left at home: a backup code works, once.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/**")
    login(page, live_server, nurse.username)
    page.wait_for_url(f"{live_server.url}/accounts/2fa/verify/**")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/nurse/")
    assert "You used a backup code; 9 left" in page.locator("main").inner_text()
    screenshot("2fa-7-backup-code")

    page.goto(f"{live_server.url}/accounts/2fa/")
    assert page.get_by_test_id("two-factor-status").inner_text() == "On"
    assert page.get_by_test_id("backup-codes-left").inner_text() == "9"
    screenshot("2fa-8-manage")
    assert csp_violations == []
