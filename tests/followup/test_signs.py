"""The sign catalogue: in step with the templates, stable codes, levels, label lookup."""

import pytest

from followup.rules import signs
from followup.rules.content import GENERAL_WARNING_SIGNS
from followup.rules.guidelines import TEMPLATES


def test_it_has_every_template_sign_in_step():
    for spec in TEMPLATES:
        catalogued = signs.template_signs(spec.code)
        assert [sign.label for sign in catalogued] == list(spec.warning_signs), spec.code
        assert all(sign.code.startswith(f"{spec.code}:") for sign in catalogued)


def test_it_has_every_general_sign_under_its_content_code():
    assert [(s.code, s.label) for s in signs.general_signs()] == list(GENERAL_WARNING_SIGNS)
    assert all(s.cancer_type is None and s.template is None for s in signs.general_signs())


def test_its_codes_are_unique():
    codes = [sign.code for sign in signs.CATALOGUE]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("prostate:leg_weakness", "urgent"),
        ("lung:haemoptysis", "urgent"),
        ("lung:headache_balance", "urgent"),
        ("lung:chest_pain", "urgent"),
        ("melanoma_high:headache_vision_speech", "urgent"),
        ("colorectal:jaundice", "review"),
        ("breast:lump", None),
        ("pain", None),
        ("fever_chills_headache", None),
    ],
)
def test_its_codes_are_stable(code, level):
    # Codes are stored with reports and in clinicians' case files: never rename one.
    assert signs.sign_def(code).level == level


def test_every_call_straight_away_sign_is_urgent():
    straight_away = [s for s in signs.CATALOGUE if "straight away" in s.label.lower()]
    assert straight_away
    assert all(sign.level == "urgent" for sign in straight_away)


def test_every_sign_with_a_level_names_a_source():
    assert all(sign.source for sign in signs.CATALOGUE if sign.level is not None)


def test_a_template_lump_counts_as_a_lump():
    assert signs.meanings_of("breast:lump") & signs.meanings_of("lump_swelling")
    assert signs.meanings_of("melanoma_high:lump") & signs.meanings_of("lump_swelling")


def test_it_finds_codes_by_label_whatever_the_case_and_spaces():
    label = signs.sign_def("prostate:leg_weakness").label
    messy = "  " + label.upper().replace(" ", "   ") + " "
    assert signs.code_for_label("prostate", messy) == "prostate:leg_weakness"
    assert signs.code_for_label("breast", dict(GENERAL_WARNING_SIGNS)["pain"].lower()) == "pain"
    assert signs.code_for_label(None, label) is None
    assert signs.code_for_label("prostate", "Something no template has") is None


def test_it_refuses_an_unknown_code():
    assert signs.find("prostate:nope") is None
    with pytest.raises(ValueError, match="unknown sign code 'prostate:nope'"):
        signs.sign_def("prostate:nope")
