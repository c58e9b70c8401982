"""What the synthetic voices say and how: languages, sentences, speakers, emotions.

Everything here is data plus small samplers; the signal is made in ``voice.py``.
The two "languages" are synthetic stand-ins labelled ``en`` and ``it``: they
differ only in vowel inventory, stop aspiration and rhythm, nothing more.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from emoshield.types import Gender

#: Vowel targets (F1, F2, F3 in Hz) for an adult male reference vocal tract.
VOWELS: dict[str, dict[str, tuple[float, float, float]]] = {
    # stress-timed, large inventory (Hillenbrand-like American English values)
    "en": {
        "i": (270, 2290, 3010), "I": (390, 1990, 2550), "E": (530, 1840, 2480),
        "ae": (660, 1720, 2410), "A": (730, 1090, 2440), "V": (640, 1190, 2390),
        "O": (570, 840, 2410), "U": (440, 1020, 2240), "u": (300, 870, 2240),
        "3": (490, 1350, 1690),
    },
    # syllable-timed, seven peripheral vowels (Italian-like values)
    "it": {
        "i": (290, 2250, 2900), "e": (380, 2000, 2600), "E": (530, 1850, 2550),
        "a": (760, 1300, 2450), "O": (560, 950, 2450), "o": (400, 800, 2400),
        "u": (310, 750, 2300),
    },
}
SCHWA: tuple[float, float, float] = (500, 1500, 2500)

#: Consonants: kind, then (F1, F2, F3) for sonorants or a noise band (Hz) for obstruents.
CONSONANTS: dict[str, tuple[str, tuple[float, ...]]] = {
    "p": ("stop", (400, 1500)), "t": ("stop", (2500, 6000)), "k": ("stop", (1500, 3500)),
    "s": ("fricative", (4000, 7500)), "S": ("fricative", (2000, 4500)),
    "f": ("fricative", (1000, 7500)), "h": ("aspiration", ()),
    "m": ("sonorant", (250, 1100, 2200)), "n": ("sonorant", (250, 1600, 2500)),
    "l": ("sonorant", (360, 1300, 2700)), "r": ("sonorant", (400, 1250, 1800)),
}


@dataclass(frozen=True)
class Language:
    """Rhythm and inventory of one synthetic language."""

    code: str
    onsets: str  # consonant symbols (one character each)
    codas: str
    coda_prob: float
    onsetless_prob: float
    syllables: tuple[int, int]  # min, max syllables per sentence
    rate: tuple[float, float]  # speaker syllables per second (min, max)
    stress_gain: float  # duration factor of stressed syllables
    unstressed_gain: float
    duration_sd: float  # random log-duration spread per syllable
    reduction: float  # how far unstressed vowels move towards schwa
    aspirated: bool  # stops followed by aspiration noise


LANGUAGES: dict[str, Language] = {
    "en": Language("en", "ptkSsfhmnl", "tksn", 0.4, 0.05, (6, 9), (4.6, 5.4), 1.45, 0.72,
                   0.18, 0.45, True),
    "it": Language("it", "ptksfmnlr", "", 0.0, 0.12, (7, 10), (5.8, 6.6), 1.12, 1.0,
                   0.05, 0.0, False),
}


@dataclass(frozen=True)
class Syllable:
    """One (C)V(C) syllable; consonants are keys of ``CONSONANTS``."""

    onset: str
    vowel: str
    coda: str
    stressed: bool


def sentence(language: str, index: int) -> tuple[Syllable, ...]:
    """The fixed syllable sequence of sentence ``index`` of ``language`` (seed-independent)."""
    lang = LANGUAGES[language]
    rng = np.random.default_rng(zlib.crc32(f"{language}:{index}".encode()))
    n = int(rng.integers(lang.syllables[0], lang.syllables[1] + 1))
    vowels = sorted(VOWELS[language])
    # words of 2-3 syllables; en stresses the first, it the penultimate syllable
    stress: list[bool] = []
    while len(stress) < n:
        size = int(rng.integers(1, 4))
        at = 0 if language == "en" else max(size - 2, 0)
        stress += [i == at for i in range(size)]
    out = []
    for i in range(n):
        onset = "" if rng.random() < lang.onsetless_prob else str(rng.choice(list(lang.onsets)))
        coda = str(rng.choice(list(lang.codas))) if rng.random() < lang.coda_prob else ""
        out.append(Syllable(onset, str(rng.choice(vowels)), coda, stress[i]))
    return tuple(out)


@dataclass(frozen=True)
class Speaker:
    """Voice traits of one synthetic speaker."""

    name: str
    gender: Gender
    language: str
    f0: float  # base f0 in Hz
    f0_range: float  # accent size in semitones
    vtl: float  # formant scale (shorter tract -> larger)
    formant_scale: tuple[float, float, float, float, float]  # individual deviations
    bandwidth: float  # formant bandwidth scale
    open_quotient: float  # glottal open quotient (higher = breathier, steeper tilt)
    breathiness: float  # aspiration noise level relative to voicing
    tilt: float  # one-pole low-pass coefficient on the source (0 = flat)
    jitter: float  # relative f0 perturbation per period
    shimmer: float  # relative amplitude perturbation per period
    rate: float  # syllables per second
    gain_db: float  # recording level
    channel: tuple[float, float]  # peaking-EQ centre (Hz) and gain (dB) of the mic
    room: tuple[float, float]  # background noise level (dBFS) and colour (one-pole coefficient)
    expressiveness: float  # how strongly the speaker shows emotion


def sample_speaker(name: str, gender: Gender | str, language: str,
                   rng: np.random.Generator) -> Speaker:
    """Draw a speaker's traits; female voices are higher and have shorter vocal tracts."""
    female = Gender(gender) is Gender.FEMALE
    lang = LANGUAGES[language]
    u = rng.uniform
    return Speaker(
        name=name, gender=Gender(gender), language=language,
        f0=u(180, 240) if female else u(95, 135),
        f0_range=u(2.5, 4.5),
        vtl=u(1.14, 1.24) if female else u(0.94, 1.03),
        formant_scale=tuple(1 + rng.normal(0, [0.03, 0.03, 0.03, 0.07, 0.07])),  # type: ignore[arg-type]
        bandwidth=u(0.8, 1.3),
        open_quotient=u(0.58, 0.7) if female else u(0.45, 0.58),
        breathiness=u(0.12, 0.25) if female else u(0.05, 0.14),
        tilt=u(0.2, 0.55),
        jitter=u(0.004, 0.012), shimmer=u(0.03, 0.08),
        rate=u(*lang.rate), gain_db=u(-3, 3),
        channel=(float(np.exp(u(np.log(300), np.log(3000)))), u(-4, 4)),
        room=(u(-72, -58), u(0.0, 0.97)),
        expressiveness=u(0.75, 1.2),
    )


@dataclass(frozen=True)
class EmotionStyle:
    """How an emotion shifts the voice (relative to neutral)."""

    f0_st: float  # f0 level shift, semitones
    f0_range: float  # accent size factor
    rate: float  # speaking-rate factor
    gain_db: float  # energy
    open_quotient: float  # added to the speaker's (negative = pressed voice)
    tilt: float  # added to the source low-pass coefficient
    breath: float  # aspiration factor
    jitter: float  # jitter and shimmer factor
    formants: tuple[float, float, float]  # F1-F3 factors ("smiling" raises F2/F3)
    peak: float  # accent peak position within the vowel (0 early .. 1 late)
    declination: float  # f0 fall over the utterance, semitones
    final: float  # boundary tone at the end, semitones


EMOTIONS: dict[str, EmotionStyle] = {
    "neutral": EmotionStyle(0, 1.0, 1.0, 0, 0, 0, 1.0, 1.0, (1, 1, 1), 0.5, -3, -2),
    "happiness": EmotionStyle(3.5, 1.8, 1.07, 4, -0.06, -0.1, 0.8, 0.7, (1.03, 1.07, 1.05),
                              0.85, -1, 2.5),
    "anger": EmotionStyle(3, 1.3, 1.12, 7, -0.16, -0.25, 0.5, 1.9, (1.1, 0.99, 1.0),
                          0.1, -5, -4),
    "sadness": EmotionStyle(-1.5, 0.5, 0.78, -6, 0.12, 0.2, 2.0, 1.5, (0.95, 0.96, 0.99),
                            0.5, -2, -1.5),
    "fear": EmotionStyle(5, 1.0, 1.18, 1, -0.02, 0, 1.6, 2.6, (1.02, 1.03, 1.02),
                         0.6, -1, 1),
    "boredom": EmotionStyle(-1, 0.35, 0.86, -3, 0.06, 0.1, 1.3, 1.0, (0.98, 0.97, 1.0),
                            0.5, -1.5, -1),
}
