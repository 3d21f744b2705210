import pytest
from django.core.cache import cache

from survivorship.roles import Role
from tests.support import services
from tests.support.factories import (
    make_helen,
    make_patient_user,
    make_staff,
    restore_seeded_data,
)

pytest_plugins = ["tests.support.celery_worker"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached figures (the dashboard summary) must not leak from one test to the next."""

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _seeded_data(request):
    """Transactional tests start from a flushed database: restore the migrations' data."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or "live_server" in (
        request.fixturenames
    )
    if transactional or (marker is not None and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")

        restore_seeded_data()


def pytest_runtest_setup(item):
    if item.get_closest_marker("redis"):
        services.require(services.redis_problem())
    if item.get_closest_marker("postgres"):
        services.require(services.postgres_problem())
    if item.get_closest_marker("e2e"):
        services.require(services.chromium_problem())


@pytest.fixture
def nurse(db):
    return make_staff("nina-nurse", Role.NURSE)


@pytest.fixture
def nurse2(db):
    return make_staff("omar-nurse", Role.NURSE)


@pytest.fixture
def administrator(db):
    return make_staff("ada-admin", Role.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def patient_user(db):
    return make_patient_user("pat-one", "MRN-0001", "Paula", "Quinn")


@pytest.fixture
def patient2_user(db):
    return make_patient_user("pat-two", "MRN-0002", "Rafael", "Stone")


@pytest.fixture
def personas(nurse, administrator, patient_user):
    """Every role once, plus anonymous (None)."""
    return {
        "anonymous": None,
        "patient": patient_user,
        "nurse": nurse,
        "administrator": administrator,
        "caregiver": make_staff("cara-caregiver", Role.CAREGIVER),
    }


@pytest.fixture
def helen(nurse):
    """Helen Marsh: breast cancer, treated in 2022, then no evidence of disease."""
    return make_helen(nurse)


@pytest.fixture
def diagnosis(helen):
    return helen.diagnoses.get()
