"""A Spanish patient's "people who help me" and "who has seen my record" are Spanish (#21).

The Spanish expected here is read from locale/fragments/records.po, the fragment these
pages are translated in, so a change of wording there does not break the tests; the
English is spelled out, since English readers must see exactly what they saw before.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from patients import services
from patients.forms import CaregiverGrantForm, NurseCaregiverGrantForm
from patients.models import CaregiverGrant, Patient

FRAGMENTS = Path(settings.BASE_DIR) / "locale" / "fragments"
FRAGMENT = FRAGMENTS / "records.po"


def spanish(english: str, context: str | None = None, fragment: Path = FRAGMENT) -> str:
    """The fragment's msgstr for a one-line msgid (with its msgctxt, if any)."""
    text = fragment.read_text(encoding="utf-8")
    ctxt = f'msgctxt "{context}"\n' if context else ""
    found = re.search(
        r"(?:^|\n)" + re.escape(f'{ctxt}msgid "{english}"\nmsgstr "') + r'(.*)"\n', text
    )
    assert found, f"{english!r} is not translated in {fragment.name}"
    return found.group(1).replace('\\"', '"')


def _reads(user, code):
    Patient.objects.filter(user=user).update(preferred_language=code)


def _grant(patient, by):
    return services.caregiver_grant_create(
        patient=patient,
        name="Sam Marsh",
        relationship="son",
        email="sam@example.org",
        by=by,
        base_url="http://testserver/",
        permissions=dict.fromkeys(services.GRANT_PERMISSIONS, True),
    )


@pytest.mark.django_db
def test_a_spanish_patients_caregivers_page_form_and_messages_are_spanish(client, patient_user):
    _reads(patient_user, "es")
    client.force_login(patient_user)
    page = client.get("/portal/caregivers/").content.decode()
    assert '<html lang="es">' in page
    for english in ("Add someone", "Send the invitation", "Their name", "Relationship"):
        assert spanish(english) in page
        assert f">{english}<" not in page
    assert spanish("We send them an invitation to set up their own account.") in page
    assert "People who help me" not in page and "Personas que me ayudan" in page

    refused = client.post("/portal/caregivers/", {"name": "Sam", "email": "s@example.org"})
    html = refused.content.decode()
    assert refused.status_code == 400
    assert spanish("Choose at least one thing they may do.") in html
    assert spanish("Please check the answers marked below. Nobody was invited yet.") in html
    assert "Choose at least one thing" not in html

    sent = client.post(
        "/portal/caregivers/",
        {"name": "Sam Marsh", "email": "sam@example.org", "can_see_plan": "on"},
        follow=True,
    )
    invited = spanish(
        "We emailed %(name)s an invitation. You can end their access here at any time."
    )
    assert invited % {"name": "Sam Marsh"} in sent.content.decode()

    grant = CaregiverGrant.objects.get()
    confirm = client.get(f"/portal/caregivers/{grant.pk}/end/").content.decode()
    assert spanish("End access for %(name)s?") % {"name": "Sam Marsh"} in confirm
    assert spanish("Yes, end access") in confirm and "Yes, end access" not in confirm
    ended = client.post(f"/portal/caregivers/{grant.pk}/end/", follow=True).content.decode()
    done = spanish("%(name)s can no longer use the portal for %(patient)s.")
    assert done % {"name": "Sam Marsh", "patient": "Paula"} in ended


@pytest.mark.django_db
def test_an_english_patients_caregivers_pages_are_unchanged(client, patient_user):
    client.force_login(patient_user)
    page = client.get("/portal/caregivers/").content.decode()
    assert '<h1 class="h3">People who help me</h1>' in page
    assert '<nav aria-label="Breadcrumb">' in page
    assert (
        "Everything they look at or send is written in "
        '<a href="/portal/access/">who has seen my record</a> under their name.</p>'
    ) in page
    for english in ("Add someone", "Send the invitation", "Their name", "Relationship"):
        assert english in page and spanish(english) not in page
    assert "For example: wife, son, friend." in page
    sent = client.post(
        "/portal/caregivers/",
        {"name": "Sam Marsh", "email": "sam@example.org", "can_see_plan": "on"},
        follow=True,
    ).content.decode()
    assert "We emailed Sam Marsh an invitation. You can end their access here at any time." in sent
    grant = CaregiverGrant.objects.get()
    confirm = client.get(f"/portal/caregivers/{grant.pk}/end/").content.decode()
    assert "<title>End access for Sam Marsh" in confirm
    assert "Sam Marsh will no longer be able to use the portal for Paula, from their" in confirm
    ended = client.post(f"/portal/caregivers/{grant.pk}/end/", follow=True).content.decode()
    assert "Sam Marsh can no longer use the portal for Paula." in ended


@pytest.mark.django_db
def test_a_spanish_patients_who_has_seen_my_record_is_spanish(client, nurse, patient_user):
    patient = patient_user.patient
    patient.care_team.add(nurse)
    _grant(patient, patient_user)
    client.force_login(nurse)
    client.get(f"/nurse/patients/{patient.pk}/")
    _reads(patient_user, "es")
    client.force_login(patient_user)
    page = client.get("/portal/access/").content.decode()
    assert '<html lang="es">' in page and "Quién ha visto mi historia" in page
    looked = f"{spanish('looked at', 'access log')} {spanish('your record', 'access log')}"
    assert looked in page and "looked at your record" not in page
    assert f"({spanish('nurse', 'role in the access log')})" in page and "(nurse)" not in page
    assert spanish("a caregiver's access", "access log") in page
    for english in ("When", "Who", "What they did"):
        assert f">{spanish(english)}</th>" in page and f">{english}</th>" not in page
    you = spanish("You", fragment=FRAGMENTS / "forms.po")  # reused, not translated twice
    assert f"<td>{you}</td>" in page and "<td>You</td>" not in page
    intro = spanish(
        "Every time someone opens or changes your record, we write it down. Here is the "
        "list, newest first. Questions about it? Call %(clinic)s on %(phone)s."
    )
    assert intro.split("%(clinic)s")[0] in page


@pytest.mark.django_db
def test_an_english_patients_who_has_seen_my_record_is_unchanged(client, nurse, patient_user):
    patient = patient_user.patient
    patient.care_team.add(nurse)
    _grant(patient, patient_user)
    client.force_login(nurse)
    client.get(f"/nurse/patients/{patient.pk}/")
    client.force_login(patient_user)
    page = client.get("/portal/access/").content.decode()
    assert '<html lang="en">' in page and '<h1 class="h3">Who has seen my record</h1>' in page
    assert "<td>You</td>" in page and "(nurse)</td>" in page
    assert "looked at your record</td>" in page and "created a caregiver's access</td>" in page
    assert (
        '<th scope="col">When</th><th scope="col">Who</th><th scope="col">What they did</th>'
        in page
    )
    assert "Every time someone opens or changes your record, we write it down." in page
    assert spanish("your record", "access log") not in page


def test_the_nurse_form_stays_english_whatever_the_language():
    with translation.override("es"):
        nurse_form, patient_form = NurseCaregiverGrantForm(), CaregiverGrantForm()
        labels = {name: str(field.label) for name, field in nurse_form.fields.items()}
        helps = {name: str(field.help_text) for name, field in nurse_form.fields.items()}
        assert str(patient_form.fields["relationship"].label) == spanish("Relationship")
    assert labels["name"] == "Caregiver's name" and labels["relationship"] == "Relationship"
    assert labels["can_get_reminders"] == "Get the patient's reminders, if the patient chooses so"
    assert helps["relationship"] == "For example: wife, son, friend."
    assert helps["email"] == "We send them an invitation to set up their own account."
