"""Cross-module contracts: manifest columns, label vocabularies, named choices.

The emotion vocabulary is shared by every corpus; the valence mapping follows
seed 000, Table I, extended (documented in docs/corpora.md) for emotions the
table does not list.
"""

from __future__ import annotations

from enum import StrEnum


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"


class Emotion(StrEnum):
    """One lowercase emotion vocabulary across corpora."""

    NEUTRAL = "neutral"
    CALM = "calm"
    HAPPINESS = "happiness"
    EXCITEMENT = "excitement"
    SURPRISE = "surprise"
    SADNESS = "sadness"
    ANGER = "anger"
    FEAR = "fear"
    DISGUST = "disgust"
    BOREDOM = "boredom"
    FRUSTRATION = "frustration"
    OTHER = "other"


class Valence(StrEnum):
    NEGATIVE = "negative"
    POSITIVE = "positive"


class Spontaneity(StrEnum):
    ACTED = "acted"
    SCRIPTED = "scripted"
    IMPROVISED = "improvised"


#: Seed 000, Table I: anger, sadness, fear, disgust, boredom are negative;
#: neutral, happiness (joy), excitement and surprise are positive. Extension:
#: calm (RAVDESS) is positive like neutral; frustration (IEMOCAP) is negative;
#: ``other`` has no valence and stays empty in the manifest.
VALENCE_OF: dict[Emotion, Valence] = {
    Emotion.NEUTRAL: Valence.POSITIVE,
    Emotion.CALM: Valence.POSITIVE,
    Emotion.HAPPINESS: Valence.POSITIVE,
    Emotion.EXCITEMENT: Valence.POSITIVE,
    Emotion.SURPRISE: Valence.POSITIVE,
    Emotion.SADNESS: Valence.NEGATIVE,
    Emotion.ANGER: Valence.NEGATIVE,
    Emotion.FEAR: Valence.NEGATIVE,
    Emotion.DISGUST: Valence.NEGATIVE,
    Emotion.BOREDOM: Valence.NEGATIVE,
    Emotion.FRUSTRATION: Valence.NEGATIVE,
}


def valence_of(emotion: Emotion | str) -> str:
    """Binary valence of an emotion, or ``""`` where Table I gives none."""
    valence = VALENCE_OF.get(Emotion(emotion))
    return valence.value if valence is not None else ""


#: Columns every manifest has, in order.
MANIFEST_COLUMNS: tuple[str, ...] = (
    "file",
    "corpus",
    "speaker",
    "gender",
    "language",
    "emotion",
    "valence",
)

#: Columns a manifest may have where the corpus knows them.
OPTIONAL_COLUMNS: tuple[str, ...] = ("sentence", "spontaneity", "intensity", "duration")


class Target(StrEnum):
    """What an emotion classifier predicts."""

    VALENCE = "valence"
    EMOTION = "emotion"
