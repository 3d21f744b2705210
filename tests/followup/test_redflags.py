"""Red-flag phrases in free text: case-, accent- and apostrophe-insensitive, whole words."""

import pytest

from followup.rules.redflags import normalise, red_flag_phrases


@pytest.mark.parametrize(
    ("text", "meaning"),
    [
        ("I can't breathe", "cannot breathe"),
        ("I CAN’T BREATHE!", "cannot breathe"),
        ("cant breathe", "cannot breathe"),
        ("I can`t catch my breath", "cannot breathe"),
        ("Crushing CHEST pain", "chest pain"),
        ("tuve una convulsión", "seizure"),
        ("I had a SEIZURE", "seizure"),
        ("Je suis très confused, I feel confused all day", "confusion"),
        ("my legs gave way", "weakness in the legs"),
        ("I don’t want to live like this", "thoughts of suicide"),
        ("I coughed up blood this morning", "coughing up blood"),
        ("I fainted", "fainting"),
    ],
)
def test_it_finds_red_flags_whatever_the_spelling(text, meaning):
    assert meaning in {found for _phrase, found in red_flag_phrases(text)}


@pytest.mark.parametrize(
    "text",
    [
        "I feel fit and well",
        "confused about my appointment time",
        "I roasted chestnuts at the weekend",
        "My chest x-ray letter came",
        "Breathing is fine, walked 5k",
        "",
        "   ",
    ],
)
def test_it_finds_nothing_in_ordinary_sentences(text):
    assert red_flag_phrases(text) == []


def test_it_matches_whole_words_only():
    assert red_flag_phrases("chestnut pain") == []
    assert red_flag_phrases("unconfusion") == []
    assert red_flag_phrases("chest pain.") == [("chest pain", "chest pain")]


def test_it_names_each_phrase_once():
    found = red_flag_phrases("chest pain, chest pain, CHEST PAIN")
    assert found == [("chest pain", "chest pain")]


def test_normalise_folds_case_accents_apostrophes_and_punctuation():
    assert normalise("  CAN’T   Breathe!!  Très ") == "cant breathe tres"
