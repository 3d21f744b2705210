"""Spanish for the symptom form, the warning signs and the care plan document (#21).

The Spanish lives in locale/fragments/*.po until the merge tooling builds django.po;
``spanish`` compiles the fragments into a temporary LOCALE_PATHS so these tests work
before and after the merge.
"""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import trans_real

from followup.documents import plan_document, plan_letter_pdf
from followup.forms import SymptomReportForm
from followup.models import CarePlanTemplate, Severity, Trend
from followup.rules.content import GENERAL_WARNING_SIGNS
from followup.rules.sign_texts import TEMPLATE_SIGN_TEXTS, sign_label
from followup.services.reports import sign_choices
from tests.followup.test_care_letters import pdf_text
from tests.followup.test_portal_plan import BREAST_SIGN, breast_plan

FRAGMENTS = Path(settings.BASE_DIR) / "locale" / "fragments"


def _reset_translations():
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = trans_real.Local()


@pytest.fixture
def spanish(tmp_path, settings):
    """LOCALE_PATHS with the compiled fragments first, the translation cache reset."""
    messages = tmp_path / "es" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    merged = tmp_path / "merged.po"
    fragments = sorted(str(p) for p in FRAGMENTS.glob("*.po"))
    subprocess.run(["msgcat", "--use-first", "-o", str(merged), *fragments], check=True)
    subprocess.run(["msgfmt", "-o", str(messages / "django.mo"), str(merged)], check=True)
    settings.LOCALE_PATHS = [str(tmp_path), *settings.LOCALE_PATHS]
    _reset_translations()
    yield
    _reset_translations()


def _translated(text: str) -> bool:
    with translation.override("es"):
        return translation.gettext(text) != text


def test_every_seeded_template_sign_and_general_sign_has_spanish(spanish, db):
    signs = {s for t in CarePlanTemplate.objects.all() for s in t.warning_signs}
    assert signs, "the seeded templates have warning signs"
    signs |= {label for _code, label in GENERAL_WARNING_SIGNS}
    missing = sorted(s for s in signs if not _translated(s.strip()))
    assert not missing, f"warning signs without Spanish: {missing}"
    assert {s.strip() for t in CarePlanTemplate.objects.all() for s in t.warning_signs} <= set(
        TEMPLATE_SIGN_TEXTS
    ), "list every seeded template sign in followup.rules.sign_texts"


def test_an_unknown_sign_shows_as_stored(spanish):
    with translation.override("es"):
        assert sign_label("A sign typed in the admin") == "A sign typed in the admin"


def test_the_spanish_symptom_form_shows_spanish_signs_and_choices(spanish, helen, diagnosis, nurse):
    breast_plan(diagnosis, nurse)
    signs = sign_choices(helen)
    assert any(s.label == BREAST_SIGN for s in signs)
    with translation.override("es"):
        form = SymptomReportForm(signs=signs)
        html = render_to_string("followup/portal/report.html", {"form": form, "patient": helen})
        for sign in signs:
            label = str(form.fields[f"sign_{sign.code}"].label)
            assert label != sign.label, f"no Spanish for {sign.label!r}"
            assert label in html or label.replace("(", "(") in html
        severity = dict(form.fields[f"severity_{signs[0].code}"].choices)
        trend = dict(form.fields[f"trend_{signs[0].code}"].choices)
        assert str(severity[Severity.MILD]).startswith("Leve")
        assert str(trend[Trend.WORSE]) == "Peor que la última vez"
        assert "¿Qué ha notado?" in html
        assert "Enviar a mi equipo de atención" in html
        assert "Un bulto, un engrosamiento" in html
        assert str(form.fields["worry"].label).startswith("¿Cuánto le ha preocupado")


def test_the_spanish_form_still_reports_the_english_sign(spanish, helen, diagnosis, nurse):
    signs = sign_choices(helen)
    code = signs[0].code
    with translation.override("es"):
        form = SymptomReportForm(
            data={
                "submission_key": "k1",
                f"sign_{code}": "on",
                f"severity_{code}": "mild",
                f"trend_{code}": "new",
            },
            signs=signs,
        )
        assert form.is_valid(), form.errors
    assert form.cleaned_data["chosen_signs"][0]["label"] == signs[0].label


def test_the_spanish_form_explains_its_errors_in_spanish(spanish, helen):
    signs = sign_choices(helen)
    code = signs[0].code
    with translation.override("es"):
        form = SymptomReportForm(data={"submission_key": "k2", f"sign_{code}": "on"}, signs=signs)
        assert not form.is_valid()
        assert form.errors[f"severity_{code}"] == ["Díganos cuánto le molesta, por favor."]


def test_the_spanish_plan_document_has_spanish_headings_signs_and_dates(
    spanish, helen, diagnosis, nurse
):
    plan = breast_plan(diagnosis, nurse)
    with translation.override("es"):
        page = render_to_string(
            "followup/_plan_document.html", plan_document(plan=plan, today=timezone.localdate())
        )
    assert "Plan de atención para sobrevivientes de cáncer" in page
    assert "Resumen de su tratamiento" in page
    assert "Su calendario de seguimiento" in page
    assert "Señales de alerta que debe contarnos" in page
    assert "Un bulto, un engrosamiento u otro cambio" in page
    assert "Procure tener un peso saludable" in page
    assert "10 de enero de 2022" in page  # the diagnosis date, Django's Spanish format
    assert "Pendiente de cita" in page
    assert "January" not in page


def test_the_english_plan_document_is_unchanged(spanish, helen, diagnosis, nurse):
    plan = breast_plan(diagnosis, nurse)
    with translation.override("en"):
        page = render_to_string(
            "followup/_plan_document.html", plan_document(plan=plan, today=timezone.localdate())
        )
    assert "Survivorship care plan" in page and "10 January 2022" in page
    assert BREAST_SIGN in page and "Aim for a healthy weight" in page


def test_the_spanish_pdf_has_spanish_headings_and_date(spanish, helen, diagnosis, nurse):
    plan = breast_plan(diagnosis, nurse)
    with translation.override("es"):
        text = pdf_text(plan_letter_pdf(plan=plan, today=timezone.localdate()))
    flat = " ".join(text.split())
    assert "Resumen de su tratamiento" in flat
    assert "Señales de alerta que debe contarnos" in flat
    assert "10 de enero de 2022" in flat


def test_the_living_with_recurrence_page_in_spanish(spanish, helen):
    with translation.override("es"):
        page = render_to_string("followup/portal/living_with_recurrence.html", {"patient": helen})
    assert "Vivir con una recurrencia" in page
    assert "Lo que siente es normal" in page
    assert "Normalmente hay tiempo para decidir" in page
