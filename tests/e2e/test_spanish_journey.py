"""Issue 21's Spanish journey, on a phone: a patient who reads Spanish signs in to a
Spanish portal, symptom form and care plan, gets a Spanish check-in email, and can switch
to English and back."""

import re

import pytest
from django.utils import timezone

from followup.delivery import messages
from followup.models import Reminder, ReminderKind, SymptomReport
from followup.rules.content import GENERAL_WARNING_SIGNS
from followup.services import reminders
from tests.e2e.conftest import ARTIFACTS, PHONE, login
from tests.e2e.test_symptom_journey import PASSWORD, helen_on_the_portal  # noqa: F401
from tests.support.accessibility import axe_violations, blocking, horizontal_overflow

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ENGLISH_SIGNS = {label for _code, label in GENERAL_WARNING_SIGNS}


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _check(page):
    assert not horizontal_overflow(page), page.url
    assert not blocking(axe_violations(page)), page.url
    assert page.locator("html").get_attribute("lang") == "es"


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
def test_a_patient_who_reads_spanish_uses_the_portal_in_spanish(
    live_server,
    page,
    settings,
    helen_on_the_portal,  # noqa: F811
):
    helen = helen_on_the_portal
    helen.preferred_language = "es"
    helen.save()
    settings.SITE_URL = live_server.url
    checkin = reminders.checkin_open(helen.care_plans.get(), timezone.localdate())

    login(page, live_server, "helen-marsh", PASSWORD)
    page.wait_for_url(f"{live_server.url}/portal/")
    assert page.get_by_role("heading", level=1).inner_text() == f"Hola, {helen.given_name}"
    _check(page)
    _shot(page, "spanish-1-home")

    # The symptom form: Spanish labels, the warning signs too.
    page.goto(f"{live_server.url}/portal/report/")
    assert page.get_by_role("heading", level=1).inner_text() == "Cuéntenos cómo está"
    form = page.locator("main").inner_text()
    assert "Enviar a mi equipo de atención" in form and "Tell us how you are" not in form
    for label in page.locator(".sign-row .form-check-label").all_inner_texts():
        assert label not in ENGLISH_SIGNS, f"untranslated sign: {label}"
    _check(page)

    # This week's check-in, answered "nothing new".
    page.goto(f"{live_server.url}/portal/checkin/{checkin.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Su control semanal"
    page.get_by_role("button", name="Nada nuevo esta semana").click()
    page.wait_for_url(f"{live_server.url}/portal/reports/**")
    assert SymptomReport.objects.filter(patient=helen, nothing_new=True).exists()
    _shot(page, "spanish-2-report-sent")

    # The care plan document.
    page.goto(f"{live_server.url}/portal/plan/")
    plan_text = page.locator("main").inner_text()
    assert "Su plan de atención" in plan_text and "Su calendario de seguimiento" in plan_text
    assert re.search(r"\d{1,2} de [a-z]+ de \d{4}", plan_text), "dates follow the locale"
    _check(page)
    _shot(page, "spanish-3-plan")

    # The check-in email, in Spanish.
    prompt = Reminder.objects.get(kind=ReminderKind.CHECKIN, checkin=checkin)
    email = messages.render(prompt, "email")
    assert "Nada nuevo" in email.text and "Hola" in email.text
    assert "It is time" not in email.text

    # The switch: English, then back to Spanish, and the choice is kept on the record.
    page.goto(f"{live_server.url}/portal/")
    page.locator(".navbar-toggler").click()  # a phone: the menu holds the switch
    page.get_by_role("button", name="English").click()
    page.wait_for_url(f"{live_server.url}/portal/")
    assert page.get_by_role("heading", level=1).inner_text() == f"Hello, {helen.given_name}"
    helen.refresh_from_db()
    assert helen.preferred_language == "en"
    page.locator(".navbar-toggler").click()
    page.get_by_role("button", name="Español").click()
    page.wait_for_url(f"{live_server.url}/portal/")
    assert page.get_by_role("heading", level=1).inner_text() == f"Hola, {helen.given_name}"
    helen.refresh_from_db()
    assert helen.preferred_language == "es"
