"""Issue 18: check-in prompts name the signs to watch, and answer in two taps."""

import math
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from followup.delivery import messages
from followup.models import CheckIn, Reminder, ReminderKind, SymptomReport
from followup.rules import guidelines, prompts, signs
from followup.services import reminders
from tests.followup.test_reminder_privacy import leaks
from tests.followup.test_symptom_reports import helen_user, plan  # noqa: F401 (fixtures)


def test_every_sign_a_prompt_can_name_has_words_that_name_no_disease_and_fit_a_text():
    for sign in signs.CATALOGUE:
        words = prompts.phrase(sign.code)
        if sign.code in prompts.NOT_PROMPTED:
            assert words is None
            continue
        assert words, f"{sign.code} has no prompt words"
        assert not leaks(words), (sign.code, leaks(words))
        assert prompts.sms_length(words) is not None, f"{sign.code} is not GSM-7"


@pytest.mark.parametrize("template", guidelines.TEMPLATES, ids=lambda t: t.code)
def test_each_template_s_signs_come_first_then_the_general_ones_and_all_come_up(template):
    codes = prompts.promptable(template.code, template.warning_signs)
    own = [signs.code_for_label(template.code, label) for label in template.warning_signs]
    own = [code for code in own if code and prompts.phrase(code)]
    assert codes[: len(own)] == list(dict.fromkeys(own))
    general = [s.code for s in signs.GENERAL_SIGNS if s.code not in prompts.NOT_PROMPTED]
    assert set(general) <= set(codes)
    weeks = math.ceil(len(codes) / prompts.PER_PROMPT)
    named = {code for week in range(weeks) for code in prompts.signs_to_watch(codes, week)}
    assert named == set(codes), "every sign comes up within a few weeks"
    assert len(prompts.signs_to_watch(codes, 0)) == min(3, len(codes))


def test_rotation_moves_on_each_week_and_wraps():
    codes = ["a", "b", "c", "d", "e"]
    assert prompts.signs_to_watch(codes, 0) == ["a", "b", "c"]
    assert prompts.signs_to_watch(codes, 1) == ["d", "e", "a"]
    assert prompts.signs_to_watch(codes, 2) == ["b", "c", "d"]
    assert prompts.signs_to_watch([], 4) == []


def test_gsm7_counting():
    assert prompts.sms_length("abc") == 3
    assert prompts.sms_length("€") == 2
    assert prompts.sms_length("naïve ✓") is None
    assert prompts.fits_one_sms("x" * 160) and not prompts.fits_one_sms("x" * 161)


def render(checkin, channel):
    reminder = Reminder.objects.get(kind=ReminderKind.CHECKIN, checkin=checkin)
    return messages.render(reminder, channel)


def test_the_email_names_this_week_s_signs_and_links_to_two_taps(plan, settings):  # noqa: F811
    settings.SITE_URL = "https://survivorship.example.org"
    first = reminders.checkin_open(plan, timezone.localdate() - timedelta(days=7))
    second = reminders.checkin_open(plan, timezone.localdate())
    assert first.watch_signs and second.watch_signs
    assert first.watch_signs != second.watch_signs, "the next week names other signs"
    assert first.watch_signs[0].startswith("breast:"), "the template's signs first"
    message = render(second, "email")
    for code in second.watch_signs:
        assert f"- {prompts.phrase(code)}" in message.text
    assert f"/portal/checkin/{second.pk}/nothing-new/" in message.text
    assert f"/portal/checkin/{second.pk}/" in message.html
    assert not leaks(message.subject + message.text + message.html)
    assert "Helen" in message.text and "Marsh" not in message.text


def test_the_text_message_stays_within_one_sms_whatever_the_signs(plan, settings):  # noqa: F811
    settings.SITE_URL = "https://survivorship-clinic.example.org"
    settings.CLINIC_NAME = "Riverside Survivorship Clinic"
    checkin = reminders.checkin_open(plan, timezone.localdate())
    codes = [s.code for s in signs.CATALOGUE if prompts.phrase(s.code)]
    for start in range(0, len(codes), 3):
        CheckIn.objects.filter(pk=checkin.pk).update(watch_signs=codes[start : start + 3])
        checkin.refresh_from_db()
        text = render(checkin, "sms").text
        assert prompts.fits_one_sms(text), (len(text), text)
        assert f"/portal/checkin/{checkin.pk}/" in text
        assert not leaks(text)
    CheckIn.objects.filter(pk=checkin.pk).update(watch_signs=["lump_swelling"])
    assert "Watch for a new lump or swelling." in render(checkin, "sms").text


def test_the_form_the_link_opens_lists_the_named_signs_first(client, helen_user, plan):  # noqa: F811
    checkin = reminders.checkin_open(plan, timezone.localdate())
    client.force_login(helen_user)
    page = client.get(f"/portal/checkin/{checkin.pk}/").content.decode()
    ticks = re.findall(r'name="sign_([^"]+)"', page)
    assert ticks[: len(checkin.watch_signs)] == checkin.watch_signs
    assert page.count("To watch this week") == len(checkin.watch_signs)
    assert 'name="sign_' in page and " checked" not in page.split("report-form")[1]


def test_nothing_new_in_two_taps_a_get_never_answers(client, helen_user, plan):  # noqa: F811
    checkin = reminders.checkin_open(plan, timezone.localdate())
    url = f"/portal/checkin/{checkin.pk}/nothing-new/"
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(helen_user)
    page = client.get(url)
    assert page.status_code == 200 and b"Yes, nothing new" in page.content
    checkin.refresh_from_db()
    assert checkin.status == "open" and not SymptomReport.objects.exists()
    key = re.search(rb'name="submission_key" value="([0-9a-f]+)"', page.content).group(1)
    response = client.post(url, {"submission_key": key.decode()})
    report = SymptomReport.objects.get()
    assert response["Location"] == f"/portal/reports/{report.pk}/"
    assert report.nothing_new and report.checkin == checkin
    # Answered already: it says so and changes nothing.
    again = client.post(url, {"submission_key": "f" * 32}, follow=True)
    assert "already answered this check-in" in again.content.decode()
    assert SymptomReport.objects.count() == 1


def test_someone_else_s_nothing_new_link_is_a_404(client, patient_user, plan):  # noqa: F811
    checkin = reminders.checkin_open(plan, timezone.localdate())
    client.force_login(patient_user)
    url = f"/portal/checkin/{checkin.pk}/nothing-new/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"submission_key": "a" * 32}).status_code == 404
    assert not SymptomReport.objects.exists()
