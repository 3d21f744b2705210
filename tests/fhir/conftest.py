from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from patients.models import FhirClient


@pytest.fixture
def make_token(db):
    """A bearer token of an API client granted ``nurses``' care teams, with ``scope``."""

    def make(nurses, scope="system/Patient.read", name="Riverside EHR"):
        app = Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        )
        client = FhirClient.objects.create(name=name, application=app)
        client.care_teams.set(nurses)
        token = AccessToken.objects.create(
            application=app,
            token=f"tok-{name.replace(' ', '-')}-{scope.replace('/', '_')}",
            scope=scope,
            expires=timezone.now() + timedelta(hours=1),
        )
        return token.token

    return make
