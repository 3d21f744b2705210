"""Compiled translation catalogs for tests, before the locale merge (issue 21).

Each engineer's Spanish lives in a fragment, locale/fragments/*.po; the merged
locale/es/LC_MESSAGES/django.po is built by the locale tooling. ``spanish_catalog``
compiles the fragments (msgcat, then msgfmt) into a temporary LOCALE_PATHS and resets
Django's translation cache, so a test sees exactly the words the fragments hold.
"""

import subprocess  # noqa: S404 - msgcat and msgfmt from gettext, fixed arguments
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils.translation import trans_real

FRAGMENTS = Path(django_settings.BASE_DIR) / "locale" / "fragments"


def _reset_translations():
    trans_real._translations = {}
    trans_real._default = None


def compile_fragments(target: Path, language: str = "es") -> Path:
    fragments = sorted(str(path) for path in FRAGMENTS.glob("*.po"))
    assert fragments, "no translation fragments under locale/fragments/"
    messages = target / language / "LC_MESSAGES"
    messages.mkdir(parents=True)
    merged = target / "merged.po"
    subprocess.run(  # noqa: S603
        ["/usr/bin/msgcat", "--use-first", "-o", str(merged), *fragments], check=True
    )
    subprocess.run(  # noqa: S603
        ["/usr/bin/msgfmt", "--check-format", "-o", str(messages / "django.mo"), str(merged)],
        check=True,
    )
    return target


@pytest.fixture
def spanish_catalog(settings, tmp_path):
    """The fragments' Spanish, compiled and in force for this test."""
    settings.LOCALE_PATHS = [str(compile_fragments(tmp_path / "locale"))]
    _reset_translations()
    yield
    _reset_translations()
