"""The outlier check on the synthetic corpus: speech always passes, pure tones never (serving.outliers)."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from emoshield.features import read_features
from emoshield.serving.edge_model import EdgeModel
from emoshield.serving.enrolment import Enrolment
from emoshield.serving.outliers import CHECKED_FROM, LIMIT, OutlierError, check, deviation


def tone_wav(hz: float, seconds: float = 1.5, amplitude: float = 0.5, rate: int = 16000) -> bytes:
    """A pure tone as a 16-bit WAV file."""
    t = np.arange(int(seconds * rate)) / rate
    buffer = io.BytesIO()
    sf.write(buffer, amplitude * np.sin(2 * np.pi * hz * t), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def corpus(artifacts):
    """The corpus's features in manifest order, their speakers, and the served encoder's priors."""
    manifest = pd.read_csv(artifacts.manifest)
    X = read_features(artifacts.features).loc[manifest["file"]].to_numpy(np.float64)
    model = EdgeModel.load(artifacts.onnx)
    return X, manifest["speaker"].to_numpy(), model


def test_every_utterance_passes_against_any_enrolment_of_two_or_more(corpus):
    """Normal speech is never refused: each utterance against enrolments of 3, 4 and 5 others, of its own
    speaker or of anyone (the tests enrol with whatever files they pick)."""
    X, speakers, model = corpus
    rng = np.random.default_rng(0)
    worst = 0.0
    for i, k in itertools.product(range(len(X)), (CHECKED_FROM, 4, 5)):
        own = np.flatnonzero((speakers == speakers[i]) & (np.arange(len(X)) != i))
        anyone = np.delete(np.arange(len(X)), i)
        for pool in (own, anyone):
            enrolment = Enrolment(model.names_digest).update(X[rng.choice(pool, size=min(k, len(pool)), replace=False)],
                                                             model.priors)
            worst = max(worst, deviation(X[i], enrolment, model.priors))
            check(X[i], enrolment, model.priors)
    assert worst < 0.9 * LIMIT, worst  # with room to spare


def test_pure_tones_are_refused_once_enough_utterances_are_enrolled(corpus):
    from emoshield.audio import decode_audio
    from emoshield.features import get_extractor

    X, speakers, model = corpus
    extractor = get_extractor(model.feature_set)
    enrolment = Enrolment(model.names_digest).update(X[speakers == speakers[0]][:CHECKED_FROM], model.priors)
    for hz, amplitude in itertools.product((220, 440, 1000, 3000, 6000), (0.5, 0.05)):
        audio = decode_audio(tone_wav(hz, amplitude=amplitude), "tone", 16000, max_seconds=30, min_seconds=0.5)
        with pytest.raises(OutlierError, match="far from the voice enrolled so far"):
            check(extractor(audio)[0], enrolment, model.priors)
    with pytest.raises(OutlierError, match="non-finite"):
        check(np.full(X.shape[1], np.nan), Enrolment(model.names_digest), model.priors)
