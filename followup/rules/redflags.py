"""Red-flag phrases in a report's free text: pure, no database.

Free text is never ignored. A phrase from this list anywhere in "anything else" makes the
report urgent (triage rule ``red_flag_text``); any other free text with no sign ticked
goes to review so that a person reads it (``free_text_only``).

Matching ignores case, accents, apostrophes and punctuation, and works on whole words:
"Can't breathe", "cant breathe" and "CAN’T BREATHE!" all match "cant breathe", while
"chestnut" does not match "chest". Each entry is (phrase, what it may mean, source), with
phrases written as they come out of ``normalise``. The list is the team's reading of
``shared/clinical/late-effects-and-red-flags.md`` ("Symptoms that cannot wait"); the
wording patients use is our guess: needs clinical review.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_EMERGENCY = "late-effects-and-red-flags.md: chest pain, severe breathlessness, fainting"
_CNS = "late-effects-and-red-flags.md: seizure, confusion, new weakness (NCCN CNS)"
_CORD = "late-effects-and-red-flags.md: spinal cord compression (NICE NG234)"
_SELF_HARM = "late-effects-and-red-flags.md: thoughts of harming oneself (988; NCCN Distress)"
_BLOOD = "late-effects-and-red-flags.md: coughing up blood (ASCO lung, NCCN)"
_SVCO = "late-effects-and-red-flags.md: face or neck swelling with breathlessness (NCCN)"

RED_FLAG_PHRASES: tuple[tuple[str, str, str], ...] = (
    ("chest pain", "chest pain", _EMERGENCY),
    ("pain in my chest", "chest pain", _EMERGENCY),
    ("crushing chest", "chest pain", _EMERGENCY),
    ("chest tightness", "chest pain", _EMERGENCY),
    ("tight chest", "chest pain", _EMERGENCY),
    ("cant breathe", "cannot breathe", _EMERGENCY),
    ("cannot breathe", "cannot breathe", _EMERGENCY),
    ("can not breathe", "cannot breathe", _EMERGENCY),
    ("struggling to breathe", "cannot breathe", _EMERGENCY),
    ("cant catch my breath", "cannot breathe", _EMERGENCY),
    ("cannot catch my breath", "cannot breathe", _EMERGENCY),
    ("cant get my breath", "cannot breathe", _EMERGENCY),
    ("gasping", "cannot breathe", _EMERGENCY),
    ("fainted", "fainting", _EMERGENCY),
    ("fainting", "fainting", _EMERGENCY),
    ("passed out", "fainting", _EMERGENCY),
    ("blacked out", "fainting", _EMERGENCY),
    ("collapsed", "fainting", _EMERGENCY),
    ("seizure", "seizure", _CNS),
    ("had a fit", "seizure", _CNS),
    ("having fits", "seizure", _CNS),
    ("convulsion", "seizure", _CNS),
    ("feel confused", "confusion", _CNS),
    ("feeling confused", "confusion", _CNS),
    ("getting confused", "confusion", _CNS),
    ("very confused", "confusion", _CNS),
    ("confusion", "confusion", _CNS),
    ("slurred speech", "change in speech", _CNS),
    ("cant speak", "change in speech", _CNS),
    ("face drooping", "new weakness", _CNS),
    ("worst headache", "severe headache", _CNS),
    ("lost my sight", "change in vision", _CNS),
    ("cant see properly", "change in vision", _CNS),
    ("lost my vision", "change in vision", _CNS),
    ("cant feel my legs", "weakness in the legs", _CORD),
    ("cant move my legs", "weakness in the legs", _CORD),
    ("cant walk", "weakness in the legs", _CORD),
    ("legs gave way", "weakness in the legs", _CORD),
    ("numb legs", "weakness in the legs", _CORD),
    ("legs are numb", "weakness in the legs", _CORD),
    ("lost control of my bladder", "loss of bladder or bowel control", _CORD),
    ("lost control of my bowels", "loss of bladder or bowel control", _CORD),
    ("wet myself", "loss of bladder or bowel control", _CORD),
    ("coughing up blood", "coughing up blood", _BLOOD),
    ("coughed up blood", "coughing up blood", _BLOOD),
    ("vomiting blood", "vomiting blood", _BLOOD),
    ("face is swollen", "face or neck swelling", _SVCO),
    ("swollen face", "face or neck swelling", _SVCO),
    ("suicidal", "thoughts of suicide", _SELF_HARM),
    ("suicide", "thoughts of suicide", _SELF_HARM),
    ("kill myself", "thoughts of suicide", _SELF_HARM),
    ("end my life", "thoughts of suicide", _SELF_HARM),
    ("take my own life", "thoughts of suicide", _SELF_HARM),
    ("harm myself", "thoughts of self-harm", _SELF_HARM),
    ("hurt myself", "thoughts of self-harm", _SELF_HARM),
    ("better off dead", "thoughts of suicide", _SELF_HARM),
    ("dont want to live", "thoughts of suicide", _SELF_HARM),
    ("dont want to be here", "thoughts of suicide", _SELF_HARM),
)

_APOSTROPHES = "'’‘`´ʼ"


def normalise(text: str) -> str:
    """Lower case, no accents, no apostrophes, other punctuation as spaces, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    for mark in _APOSTROPHES:
        text = text.replace(mark, "")
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


@cache
def _pattern() -> re.Pattern[str]:
    phrases = sorted({phrase for phrase, _meaning, _source in RED_FLAG_PHRASES}, key=len)
    alternatives = "|".join(re.escape(phrase) for phrase in reversed(phrases))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


_MEANING = {phrase: meaning for phrase, meaning, _source in RED_FLAG_PHRASES}


def red_flag_phrases(text: str) -> list[tuple[str, str]]:
    """The red-flag phrases found in ``text``: (phrase, what it may mean), each once."""
    if not text or not text.strip():
        return []
    found: dict[str, str] = {}
    for match in _pattern().finditer(normalise(text)):
        found.setdefault(match.group(0), _MEANING[match.group(0)])
    return list(found.items())
