"""Security headers on every page; patient pages are never cached."""

import pytest

from tests.support.manage import REAL_SECRET, run_manage


def test_it_sends_a_strict_content_security_policy(client, db):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_it_denies_framing_sniffing_and_cross_site_referrers(client, db):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/nurse/", "/dashboard/", "/dashboard/overdue/"])
def test_it_forbids_caching_pages_seen_when_signed_in(client, nurse, path):
    client.force_login(nurse)
    assert "no-store" in client.get(path)["Cache-Control"]


def test_it_forbids_caching_the_patient_page_and_portal(client, nurse, helen, patient_user):
    client.force_login(nurse)
    assert "no-store" in client.get(f"/nurse/patients/{helen.pk}/")["Cache-Control"]
    client.force_login(patient_user)
    assert "no-store" in client.get("/portal/")["Cache-Control"]


def test_it_turns_on_hsts_and_secure_cookies_in_production():

    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)"
    )
    result = run_manage(
        "shell",
        "-c",
        code,
        DJANGO_ENV="production",
        EMAIL_HOST="smtp.example.org",
        SECRET_KEY=REAL_SECRET,
        ALLOWED_HOSTS="clinic.example.org",
        SITE_URL="https://clinic.example.org",
    )
    assert result.stdout.split() == ["31536000", "True", "True", "True", "True"]
