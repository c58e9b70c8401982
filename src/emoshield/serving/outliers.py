"""Utterances kept out of an enrolment: ones far from the speaker's voice, as a pure tone is.

Once an enrolment holds ``CHECKED_FROM`` utterances, a new one is standardised
with its statistics shrunk by the encoder's priors (as the encoder would see
it), and its deviation is the share of its features more than ``SPREADS``
spreads away: a robust distance, which a few wild features do not move. Above
``LIMIT`` the utterance neither enters the statistics nor is decided.

``LIMIT`` is measured (ComParE 2016, the default front end, 3 or more
utterances enrolled; docs/serving.md): a speaker's normal speech has at most
24% of its features beyond 3 spreads (the synthetic corpus, enrolments of any
speakers' utterances), 13% (RAVDESS speakers, EMO-DB priors) and 20% (EMO-DB
speakers, RAVDESS priors); pure tones of 220 Hz to 6 kHz, loud or quiet, have
36% or more in every case. It stops tone-like poisoning; it does not tell every
non-speech sound from speech (square waves, white noise and near silence come
closer).
"""

from __future__ import annotations

import numpy as np

from emoshield.errors import EmoshieldError
from emoshield.methods.statistics import Priors, standardise
from emoshield.serving.enrolment import Enrolment

#: The largest share of an utterance's features that may lie more than SPREADS spreads from its speaker's.
LIMIT = 0.30
SPREADS = 3.0
#: Utterances an enrolment holds before new ones are checked against it.
CHECKED_FROM = 3


class OutlierError(EmoshieldError):
    """An utterance too far from its speaker's statistics to enter them."""


def deviation(values: np.ndarray, enrolment: Enrolment, priors: Priors) -> float:
    """The share of ``values``'s features (one utterance) beyond SPREADS, standardised with the enrolment's
    statistics shrunk by ``priors``."""
    variance = enrolment.m2 / enrolment.count
    z = standardise(np.atleast_2d(values), enrolment.mean, variance, enrolment.count, priors)
    return float(np.mean(np.abs(z) > SPREADS))


def check(values: np.ndarray, enrolment: Enrolment, priors: Priors, limit: float = LIMIT) -> None:
    """OutlierError when ``values`` is non-finite, or deviates more than ``limit`` from an enrolment of
    ``CHECKED_FROM`` or more utterances."""
    bad = int(np.size(values) - np.isfinite(values).sum())
    if bad:
        raise OutlierError(f"not enrolled, not decided: the recording's features have {bad} non-finite value(s)")
    if enrolment.count < CHECKED_FROM:
        return
    distance = deviation(values, enrolment, priors)
    if distance > limit:
        raise OutlierError(
            f"not enrolled, not decided: this recording is far from the voice enrolled so far ({distance:.0%} of its "
            f"features lie more than {SPREADS:g} spreads away, the limit is {limit:.0%}); a tone or another "
            "non-speech sound looks so. "
            "Nothing was changed. If your own speech is refused, the enrolment began with something else: forget it "
            "(DELETE /v1/enrolments/ID, or the page's 'Forget my voice') and enrol again")
