"""Each extractor's fixed output contract, and that its numbers mean what they say."""

from __future__ import annotations

import numpy as np
import pytest

from emoshield.audio import Audio
from emoshield.errors import ConfigError, FeatureError
from emoshield.features import FeatureSet, get_extractor
from emoshield.features.spectral import logmel, mel_filterbank

#: (set, dimension, frames per second of a 1 s signal or None for functionals)
CONTRACTS = [
    (FeatureSet.COMPARE2016, 6373, None),
    (FeatureSet.EGEMAPS, 88, None),
    (FeatureSet.IS09, 32, 99),
    (FeatureSet.MFCC, 13, 50),
    (FeatureSet.LOGMEL, 64, 49),
]


@pytest.mark.parametrize(("feature_set", "dim", "frames"), CONTRACTS)
def test_names_shape_and_finite_values(
    voice_audio: Audio, feature_set: FeatureSet, dim: int, frames: int | None
) -> None:
    extractor = get_extractor(feature_set)
    assert extractor.name == feature_set.value
    assert len(extractor.feature_names) == dim == len(set(extractor.feature_names))
    assert extractor.frame_level == (frames is not None)
    values = extractor(voice_audio)
    assert values.dtype == np.float32 and values.shape == (frames or 1, dim)
    assert np.isfinite(values).all()
    assert np.ptp(values, axis=0).max() > 0 if frames else np.abs(values).max() > 0


def test_is09_columns_are_the_16_llds_then_their_deltas() -> None:
    llds = ["pcm_RMSenergy_sma", *[f"pcm_fftMag_mfcc_sma[{i}]" for i in range(1, 13)],
            "pcm_zcr_sma", "voiceProb_sma", "F0_sma"]
    deltas = [n.replace("_sma", "_sma_de") for n in llds]
    assert get_extractor("is09").feature_names == llds + deltas


def test_is09_f0_tracks_the_voice(voice_audio: Audio) -> None:
    extractor = get_extractor(FeatureSet.IS09)
    f0 = extractor(voice_audio)[:, extractor.feature_names.index("F0_sma")]
    assert np.median(f0[f0 > 0]) == pytest.approx(150, abs=10)


def test_egemaps_pitch_mean_matches_the_voice(voice_audio: Audio) -> None:
    extractor = get_extractor(FeatureSet.EGEMAPS)
    values = dict(zip(extractor.feature_names, extractor(voice_audio)[0]))
    expected = 12 * np.log2(150 / 27.5)  # eGeMAPS F0 is in semitones from 27.5 Hz
    assert values["F0semitoneFrom27.5Hz_sma3nz_amean"] == pytest.approx(expected, abs=0.5)


def test_frame_times_follow_window_and_hop() -> None:
    starts, ends = get_extractor("is09").frame_times(99, 1.0)
    np.testing.assert_allclose(np.diff(starts), 0.01)
    assert ends[0] == pytest.approx(0.025) and ends.max() <= 1.0
    starts, ends = get_extractor("mfcc").frame_times(50, 1.0)
    np.testing.assert_allclose(ends - starts, 0.02)


def test_logmel_peak_band_holds_a_pure_tone() -> None:
    rate, hz = 16000, 1000.0
    audio = Audio((0.5 * np.sin(2 * np.pi * hz * np.arange(rate) / rate)).astype(np.float32), rate)
    extractor = logmel()
    band = int(np.median(extractor(audio).argmax(axis=1)))
    filters = mel_filterbank(64, 512, rate)
    assert np.fft.rfftfreq(512, 1 / rate)[filters[band].argmax()] == pytest.approx(hz, abs=40)


def test_mel_filters_each_cover_some_bins_and_peak_at_one() -> None:
    filters = mel_filterbank(64, 512, 16000)
    assert filters.shape == (64, 257)
    assert (filters.max(axis=1) > 0.4).all() and filters.max() <= 1.0


def test_mfcc_c0_grows_with_loudness(voice_audio: Audio) -> None:
    extractor = get_extractor(FeatureSet.MFCC)
    louder = Audio(voice_audio.samples * 4, 16000)
    assert (extractor(louder)[:, 0] > extractor(voice_audio)[:, 0]).all()


def test_wrong_rate_is_refused(voice_audio: Audio) -> None:
    with pytest.raises(FeatureError, match="expects 16000 Hz, got 8000 Hz"):
        get_extractor("mfcc")(Audio(voice_audio.samples, 8000))


def test_unknown_feature_set_lists_choices() -> None:
    with pytest.raises(ConfigError, match="unknown feature set 'wav2vec'.*compare2016"):
        get_extractor("wav2vec")
