"""Every patient-facing string has its Spanish in the compiled catalogue (issue 21).

The msgids are extracted from the files below the way `make messages` extracts them
(devtools.i18n.msgids_of: Django's templatize, then xgettext), and looked up in
locale/es/LC_MESSAGES/django.mo itself (not through Django, whose own catalogue would
translate "Name" or "Continue" for us).
"""

from pathlib import Path

import pytest
from django.conf import settings

from devtools import i18n

BASE = Path(settings.BASE_DIR)
CATALOG = BASE / "locale" / "es" / "LC_MESSAGES" / "django.mo"

# Everything patients and caregivers read. Grows as more of the portal is translated.
PATIENT_FACING = (
    "templates/base.html",
    "templates/survivorship/_language_switch.html",
    "templates/followup/portal/*.html",
    "templates/followup/caregiver/*.html",
    "templates/registration/*.html",
    "templates/emails/**/*",
    "templates/sms/**/*",
    "templates/followup/_plan_document.html",
    "templates/patients/_caregiver_grants.html",
    "templates/survivorship/_pagination.html",
    "patients/models/access.py",
    "patients/services.py",
    "followup/forms/*.py",
    "followup/rules/content.py",
    "followup/rules/sign_texts.py",
    "followup/rules/prompts.py",
    "followup/views/portal.py",
    "followup/views/caregiver.py",
    "followup/calendar.py",
    "followup/models/reports.py",
    "survivorship/web/middleware.py",
    "templates/patients/portal_caregivers.html",
    "templates/patients/caregiver_revoke.html",
    "templates/survivorship/audit/my_record.html",
    "patients/forms.py",
    "patients/views.py",
)

# All of it is checked: every patient-facing string has its Spanish.
OWNED_NOW = PATIENT_FACING

# Spanish may equal the English only for these (names, formats, placeholders only).
SAME_IN_SPANISH = frozenset({"OK", "No", "Survivorship", "H:i", "%(name)s"})


def _files(patterns):
    found = []
    for pattern in patterns:
        matches = sorted(path for path in BASE.glob(pattern) if path.is_file())
        assert matches, f"{pattern} matches no file: fix the list"
        found.extend(matches)
    return found


def _missing(patterns):
    catalog = i18n.read_catalog(CATALOG)
    problems = []
    for key, source in i18n.msgids_of(_files(patterns)).items():
        english = key[0] if isinstance(key, tuple) else key.split("\x04")[-1]
        spanish = catalog.get(key, "")
        if not spanish:
            problems.append(f"{Path(source).relative_to(BASE)}: no Spanish for {english!r}")
        elif spanish == english and english not in SAME_IN_SPANISH:
            problems.append(f"{Path(source).relative_to(BASE)}: Spanish = English {english!r}")
    return problems


def test_the_compiled_catalogue_is_committed():
    assert CATALOG.is_file(), "run `make messages` and commit locale/"


def test_every_string_of_the_pages_this_branch_translates_has_its_spanish():
    problems = _missing(OWNED_NOW)
    assert not problems, "\n".join(problems)


def test_the_extraction_finds_the_strings_of_the_portal():
    ids = i18n.msgids_of(_files(["templates/followup/portal/home.html"]))
    assert "Your care plan" in ids and "Hello, %(name)s" in ids


@pytest.mark.parametrize("pattern", PATIENT_FACING)
def test_every_listed_patient_facing_file_exists(pattern):
    assert _files([pattern])


def test_a_string_translated_in_two_fragments_is_refused(tmp_path):
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    one, two = tmp_path / "one.po", tmp_path / "two.po"
    one.write_text(header + 'msgid "Your care plan"\nmsgstr "Su plan de atención"\n')
    two.write_text(header + 'msgid "Your care plan"\nmsgstr "Su plan de cuidados"\n')
    with pytest.raises(i18n.DuplicateTranslation, match="Your care plan"):
        i18n._refuse_duplicates([str(one), str(two)], tmp_path)
    two.write_text(header + 'msgid "Back"\nmsgstr "Volver"\n')
    i18n._refuse_duplicates([str(one), str(two)], tmp_path)
