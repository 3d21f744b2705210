import pytest

from survivorship.env import (
    ConfigError,
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    redis_url,
)


def test_it_reads_booleans_strictly(monkeypatch):
    monkeypatch.setenv("DEBUG", "yes")
    assert env_bool("DEBUG", default=False) is True
    monkeypatch.setenv("DEBUG", "Off")
    assert env_bool("DEBUG", default=True) is False
    monkeypatch.delenv("DEBUG")
    assert env_bool("DEBUG", default=True) is True


def test_it_names_the_variable_when_a_boolean_is_malformed(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ConfigError, match="DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG", default=False)


def test_it_rejects_a_malformed_or_too_small_number(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(ConfigError, match="EMAIL_PORT"):
        env_int("EMAIL_PORT", 25)
    monkeypatch.setenv("EMAIL_PORT", "0")
    with pytest.raises(ConfigError, match="at least 1"):
        env_int("EMAIL_PORT", 25, minimum=1)


def test_it_splits_lists_and_ignores_blanks(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "a.example.org, ,b.example.org")
    assert env_list("ALLOWED_HOSTS") == ["a.example.org", "b.example.org"]


def test_it_refuses_an_unknown_environment_name(monkeypatch):
    monkeypatch.setenv("DJANGO_ENV", "staging")
    with pytest.raises(ConfigError, match="DJANGO_ENV='staging'"):
        env_choice("DJANGO_ENV", ("development", "production"), "development")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "must start with postgresql"),
        ("postgresql://u@h:port/db", "malformed"),
        ("postgresql://u@h:5432/", "does not name a database"),
        ("nonsense", "must start with postgresql"),
    ],
)
def test_it_names_database_url_when_it_is_malformed(url, message):
    with pytest.raises(ConfigError, match=message) as caught:
        database_from_url("DATABASE_URL", url)
    assert "DATABASE_URL" in str(caught.value)


def test_it_parses_a_postgresql_url():
    config = database_from_url("DATABASE_URL", "postgresql://clinic:pw@db:5432/survivorship")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], config["PORT"]) == ("survivorship", "db", 5432)


@pytest.mark.parametrize("url", ["http://redis:6379", "redis://", "redis://h:port/0"])
def test_it_names_redis_url_when_it_is_malformed(url):
    with pytest.raises(ConfigError, match="REDIS_URL"):
        redis_url("REDIS_URL", url)
