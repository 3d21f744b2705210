"""docker-compose.yml cannot be run here (no Docker engine), so check its consistency."""

import re

import pytest
import yaml
from django.conf import settings

APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())


def command_text(service) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_it_defines_the_five_services(compose):
    assert set(compose["services"]) == {"db", "redis", *APP_SERVICES}
    assert compose["services"]["db"]["image"] == "postgres:16"
    assert compose["services"]["redis"]["image"] == "redis:7"


def test_it_builds_every_app_service_from_the_one_dockerfile(compose):
    assert (settings.BASE_DIR / "Dockerfile").is_file()
    images = {compose["services"][name]["image"] for name in APP_SERVICES}
    builds = {compose["services"][name]["build"] for name in APP_SERVICES}
    assert images == {"survivorship:latest"} and builds == {"."}


def test_it_gives_app_services_the_same_database_broker_and_env_file(compose):
    envs = [compose["services"][name]["environment"] for name in APP_SERVICES]
    for key in ("DJANGO_ENV", "DATABASE_URL", "REDIS_URL"):
        assert len({env[key] for env in envs}) == 1, key
    env = envs[0]
    assert env["DJANGO_ENV"] == "production"
    assert "@db:5432/" in env["DATABASE_URL"] and env["REDIS_URL"].startswith("redis://redis:")
    db_env = compose["services"]["db"]["environment"]
    assert env["DATABASE_URL"] == (
        f"postgresql://{db_env['POSTGRES_USER']}:{db_env['POSTGRES_PASSWORD']}"
        f"@db:5432/{db_env['POSTGRES_DB']}"
    )
    for name in APP_SERVICES:
        assert compose["services"][name]["env_file"] == ".env"


def test_it_runs_gunicorn_a_worker_and_beat_on_this_project(compose):
    web = command_text(compose["services"]["web"])
    assert "migrate" in web and "gunicorn survivorship.wsgi:application" in web
    assert (settings.BASE_DIR / "survivorship" / "wsgi.py").is_file()
    assert re.search(r"celery -A survivorship worker", command_text(compose["services"]["worker"]))
    assert re.search(r"celery -A survivorship beat", command_text(compose["services"]["beat"]))


def test_it_waits_for_healthy_database_and_redis_and_checks_health(compose):
    for name in APP_SERVICES:
        depends = compose["services"][name]["depends_on"]
        assert depends == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
    for name in ("db", "redis", "web", "worker"):
        assert compose["services"][name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


def test_it_lists_every_compose_variable_in_env_example(compose):
    example = (settings.BASE_DIR / ".env.example").read_text()
    for variable in ("DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        assert variable in example
