import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from patients.models import Patient
from survivorship.roles import Role, roles_of

DEMO_USERS = {
    "demo-nurse": Role.NURSE,
    "demo-nurse2": Role.NURSE,
    "demo-admin": Role.ADMINISTRATOR,
    "demo-patient": Role.PATIENT,
    "demo-patient2": Role.PATIENT,
}


def test_it_creates_the_demo_accounts_with_their_roles_and_prints_the_logins(db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    for username, role in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert role in roles_of(user)
        assert user.check_password("survivorship-demo")
        assert username in out
    assert "survivorship-demo" in out


def test_it_is_idempotent(db):
    call_command("seed_demo")
    counts = (User.objects.count(), Patient.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Patient.objects.count()) == counts


def test_it_uses_demo_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-pass")
    call_command("seed_demo")
    assert User.objects.get(username="demo-nurse").check_password("another-demo-pass")


def test_it_refuses_to_run_with_production_settings(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not User.objects.exists()
