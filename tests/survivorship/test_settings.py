"""Start-up configuration, checked in fresh processes exactly as an operator runs them."""

import os
import subprocess

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache

from tests.support.manage import REAL_SECRET, run_manage


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_URL": "postgresql://user@host:notaport/db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://user@host/db"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://localhost"}, "REDIS_URL"),
        ({"DJANGO_ENV": "prod"}, "DJANGO_ENV"),
        ({"DJANGO_ENV": "production", "ALLOWED_HOSTS": "clinic.example.org"}, "SECRET_KEY"),
        ({"DJANGO_ENV": "production", "SECRET_KEY": REAL_SECRET}, "ALLOWED_HOSTS"),
        (
            {
                "DJANGO_ENV": "production",
                "SECRET_KEY": REAL_SECRET,
                "ALLOWED_HOSTS": "clinic.example.org",
                "EMAIL_HOST": "smtp.example.org",
            },
            "SITE_URL",
        ),
    ],
)
def test_it_stops_start_up_with_one_line_naming_the_bad_variable(env, variable):
    result = run_manage("check", **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Survivorship configuration error:")
    assert variable in lines[0]


def test_it_passes_the_deployment_checklist_in_production():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        EMAIL_HOST="smtp.example.org",
        SITE_URL="https://clinic.example.org",
        SECRET_KEY=REAL_SECRET,
        ALLOWED_HOSTS="clinic.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_hashes_passwords_with_argon2_first():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])",
    )
    assert result.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_it_defaults_to_sqlite_and_the_filesystem_broker_under_var():
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], "
        "s.CELERY_BROKER_URL, s.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in'], "
        "s.CACHES['default']['BACKEND'])"
    )
    env = {"DATABASE_URL": "", "REDIS_URL": "", "VAR_DIR": ""}
    result = run_manage("shell", "-c", code, **env)
    engine, name, broker, folder, cache = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert name.endswith("var/db.sqlite3")
    assert broker == "filesystem://"
    assert folder.endswith("var/celery/queue")
    assert cache.endswith("LocMemCache")


def test_it_switches_to_postgresql_and_redis_from_the_environment():
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, "
        "s.CACHES['default']['BACKEND'])"
    )
    result = run_manage(
        "shell",
        "-c",
        code,
        DATABASE_URL="postgresql://u:p@db.example:5432/clinic",
        REDIS_URL="redis://cache.example:6379/1",
    )
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://cache.example:6379/1",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_it_only_accepts_json_for_celery_and_limits_task_time():
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_TASK_SERIALIZER == "json"
    assert settings.CELERY_TASK_TIME_LIMIT > settings.CELERY_TASK_SOFT_TIME_LIMIT > 0
    assert settings.CELERY_TIMEZONE == "UTC"


def test_it_refuses_to_relax_two_factor_sign_in_in_production():
    result = run_manage(
        "check",
        DJANGO_ENV="production",
        EMAIL_HOST="smtp.example.org",
        SITE_URL="https://clinic.example.org",
        SECRET_KEY=REAL_SECRET,
        ALLOWED_HOSTS="clinic.example.org",
        STAFF_2FA_REQUIRED="false",
    )
    assert result.returncode == 2
    assert "STAFF_2FA_REQUIRED" in result.stderr


def test_it_refuses_to_start_in_production_without_an_outgoing_mail_server():
    """Issue 14, finding 3: production wrote patient details and live links to logs."""
    production = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": REAL_SECRET,
        "ALLOWED_HOSTS": "clinic.example.org",
        "SITE_URL": "https://clinic.example.org",
    }
    result = run_manage("check", **production)
    assert result.returncode == 2 and "EMAIL_HOST" in result.stderr
    allowed = run_manage("check", "--deploy", **production, EMAIL_BACKEND_ALLOW_CONSOLE="true")
    assert allowed.returncode == 0, allowed.stderr
    assert "survivorship.W001" in allowed.stdout + allowed.stderr


def test_links_in_background_emails_follow_the_port_the_app_is_served_on():
    code = "from django.conf import settings; print(settings.SITE_URL)"
    assert run_manage("shell", "-c", code, PORT="8810").stdout.strip() == ("http://127.0.0.1:8810")
    named = run_manage("shell", "-c", code, PORT="8810", SITE_URL="https://c.example.org/")
    assert named.stdout.strip() == "https://c.example.org"


def test_make_run_passes_a_site_url_that_follows_port():
    result = subprocess.run(  # noqa: S603
        [  # noqa: S607
            "make",
            "--no-print-directory",
            "--eval=show-site-url: ; @echo $(SITE_URL)",
            "show-site-url",
            "PORT=8810",
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        # Under `make test` the outer make exports its own PORT and SITE_URL: a fresh
        # shell, as a person runs `make run`, has neither.
        env={
            k: v
            for k, v in os.environ.items()
            if k not in {"PORT", "SITE_URL", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}
        },
    )
    assert result.stdout.strip() == "http://127.0.0.1:8810", result.stderr


def test_cache_keys_carry_the_deployments_prefix_and_version():
    code = (
        "from django.core.cache import cache; from django.conf import settings as s; "
        "print(s.CACHE_KEY_PREFIX, s.CACHE_VERSION, cache.make_key('summary'))"
    )
    default = run_manage(
        "shell", "-c", code, DATABASE_URL="postgresql://u:p@db.example:5432/clinic"
    )
    assert default.stdout.split() == ["survivorship-clinic", "1", "survivorship-clinic:1:summary"]
    chosen = run_manage("shell", "-c", code, CACHE_KEY_PREFIX="north-site", CACHE_VERSION="7")
    assert chosen.stdout.split() == ["north-site", "7", "north-site:7:summary"]


@pytest.mark.redis
def test_two_deployments_sharing_one_redis_do_not_read_each_others_entries():
    north = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "north"})
    south = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "south"})
    newer = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "north", "VERSION": 2})
    try:
        north.set("dashboard:summary:all", {"total": 7})
        assert south.get("dashboard:summary:all") is None
        assert newer.get("dashboard:summary:all") is None
        assert north.get("dashboard:summary:all") == {"total": 7}
    finally:
        north.delete("dashboard:summary:all")
