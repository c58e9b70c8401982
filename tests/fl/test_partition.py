import numpy as np
import pytest

from emoshield.fl.data import Samples, prepare_samples
from emoshield.fl.errors import FederatedError
from emoshield.fl.partition import partition_by_speaker
from tests.fl.conftest import toy_samples


def test_every_speaker_is_one_client_with_all_its_utterances():
    samples = toy_samples(n_speakers=4, per_speaker=10)
    parts = partition_by_speaker(samples)
    assert list(parts) == ["s0", "s1", "s2", "s3"]
    assert sorted(np.concatenate(list(parts.values())).tolist()) == list(range(len(samples)))
    assert all((samples.speakers[p] == s).all() for s, p in parts.items())


def test_a_requested_client_without_data_is_named():
    with pytest.raises(FederatedError, match="'ghost' has no utterances"):
        partition_by_speaker(toy_samples(), ["s0", "ghost"])


def test_a_client_with_one_class_is_named():
    samples = toy_samples()
    y = samples.y.copy()
    y[samples.speakers == "s1"] = 0
    one_class = Samples(samples.X, samples.lengths, y, samples.speakers, samples.genders, samples.classes)
    with pytest.raises(FederatedError, match=r"'s1' has a single class \('neg'"):
        partition_by_speaker(one_class)


def test_no_clients_is_an_error():
    with pytest.raises(FederatedError, match="no clients"):
        partition_by_speaker(toy_samples(), [])


def test_features_are_standardised_per_speaker(functionals: Samples):
    for speaker in np.unique(functionals.speakers):
        rows = functionals.X[functionals.speakers == speaker]
        assert np.allclose(rows.mean(axis=0), 0, atol=1e-4)
    assert functionals.classes == ("anger", "happiness", "neutral", "sadness")
    assert functionals.speakers.dtype.kind == "U"


def test_sequences_are_padded_and_standardised_per_speaker(corpus, mfcc_path):
    from emoshield.features import read_features

    samples = prepare_samples(read_features(mfcc_path), corpus[1], max_frames=40)
    assert samples.sequential and samples.X.shape[1:] == (40, 13)
    assert (samples.lengths <= 40).all() and (samples.lengths > 0).all()


def test_saved_samples_load_without_pickle(tmp_path):
    samples = toy_samples()
    loaded = Samples.load(samples.save(tmp_path / "d.npz"))
    assert np.array_equal(loaded.X, samples.X) and loaded.classes == samples.classes
    assert list(loaded.speakers) == list(samples.speakers)


def test_pooled_standardisation_keeps_speaker_offsets(corpus, egemaps_path):
    from emoshield.features import read_features

    pooled = prepare_samples(read_features(egemaps_path), corpus[1], per_speaker=False)
    assert np.allclose(pooled.X.mean(axis=0), 0, atol=1e-4)
    speaker_means = [pooled.X[pooled.speakers == s].mean(axis=0) for s in np.unique(pooled.speakers)]
    assert max(np.abs(m).max() for m in speaker_means) > 0.5
