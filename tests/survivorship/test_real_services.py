import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.postgres
@pytest.mark.redis
def test_it_runs_the_suite_on_postgresql_and_redis_when_they_are_configured(db):
    assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
