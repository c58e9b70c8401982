"""Method specs (``name(key=value, ...)``), chains of methods, and the frontier and sweep plots."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from emoshield.config import split_top_level
from emoshield.errors import ConfigError, ManifestError
from emoshield.methods import (
    METHODS,
    Chain,
    MinMaxPca,
    MinMaxRaw,
    SpeakerNorm,
    make_method,
    parse_method,
    resolved_params,
)
from emoshield.methods.baselines import step_names
from emoshield.reporting import SweepConfig


def test_specs_parse_into_a_name_and_typed_parameters():
    assert parse_method("raw") == ("raw", {})
    assert parse_method(" pca( n_components = 8 ) ") == ("pca", {"n_components": 8})
    assert parse_method("adversarial(latent=64, alpha=2.5, schedule=constant)") == (
        "adversarial", {"latent": 64, "alpha": 2.5, "schedule": "constant"}
    )
    assert make_method("pca(n_components=3)", seed=1).n_components == 3


@pytest.mark.parametrize(
    "spec, message",
    [("pca(", "expected NAME"), ("pca(8)", "not key=value"), ("raw(latent=4)", "latent"), ("nope(a=1)", "unknown method")],
)
def test_bad_specs_name_the_problem(spec, message):
    with pytest.raises(ConfigError, match=message):
        make_method(spec, seed=0)


def test_an_error_inside_a_method_is_not_blamed_on_the_spec(monkeypatch):
    def broken(seed: int, width: int = 1):
        raise TypeError("a bug inside the constructor")

    monkeypatch.setitem(METHODS, "broken", broken)
    with pytest.raises(ConfigError, match="unexpected keyword"):
        make_method("broken(height=2)", seed=0)
    with pytest.raises(TypeError, match="a bug inside"):
        make_method("broken(width=2)", seed=0)


def test_commas_inside_parentheses_do_not_split():
    assert split_top_level("raw, ae(latent=8,alpha=1),pca,") == ["raw", "ae(latent=8,alpha=1)", "pca"]


def test_a_chain_fits_each_step_on_the_output_of_the_previous_one():
    X = np.random.default_rng(0).normal(size=(40, 10)) * 7 + 3
    chain = Chain(MinMaxRaw(), MinMaxPca(n_components=4)).fit(X, pd.DataFrame(index=range(40)))
    out = chain.transform(X)
    assert out.shape == (40, 4)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-9)  # PCA was fit on the scaled data
    scaled = MinMaxRaw().fit(X).transform(X)
    np.testing.assert_allclose(out, MinMaxPca(n_components=4).fit(scaled).transform(scaled))


def test_a_chain_is_a_scikit_learn_composite():
    chain = make_method("adversarial(latent=4, hidden=[16], epochs=1)", seed=3)
    params = chain.get_params(deep=True)
    assert params["steps"] is chain.steps and params["speakernorm"] is chain.steps[0]
    assert params["speakernorm__min_utterances"] == 2 and params["adversarialencoder__seed"] == 3
    assert chain.set_params(speakernorm__scale=False, adversarialencoder__alpha=0.5) is chain
    assert chain.steps[0].scale is False and chain.steps[1].alpha == 0.5
    copy = clone(chain)
    assert copy.steps[1] is not chain.steps[1] and copy.get_params()["adversarialencoder__alpha"] == 0.5
    assert repr(copy) == repr(chain) and repr(chain).startswith("Chain(SpeakerNorm(emotion_aware=True, prior=10.0, scale=False), AdversarialEncoder(")
    chain.set_params(speakernorm=MinMaxRaw())
    assert isinstance(chain.steps[0], MinMaxRaw) and "minmaxraw__seed" in chain.get_params()
    with pytest.raises(ValueError, match="Invalid parameter 'nope'"):
        chain.set_params(nope__x=1)
    assert step_names((MinMaxRaw(), MinMaxPca(), MinMaxRaw())) == ["minmaxraw-1", "minmaxpca", "minmaxraw-2"]


def test_parameters_are_stored_as_given_and_checked_by_fit_and_by_make_method():
    norm = SpeakerNorm(min_utterances=1)  # scikit-learn's convention: the constructor only stores
    assert norm.min_utterances == 1
    with pytest.raises(ConfigError, match="min_utterances must be an integer >= 2, got 1"):
        norm.fit(np.zeros((4, 2)), pd.DataFrame({"speaker": list("aabb")}))
    with pytest.raises(ConfigError, match="min_utterances must be an integer >= 2, got 0"):
        make_method("adversarial", 0).set_params(speakernorm__min_utterances=0).check_params()


def test_resolved_params_are_plain_data_that_tell_settings_apart():
    specs = ["raw", "pca", "pca(n_components=8)", "speaker_norm", "speaker_norm(scale=false)", "leace",
             "adversarial", "adversarial(latent=8)", "adversarial(front_end=minmax)", "adversarial_leace",
             "fl_adversarial", "fl_adversarial(rounds=3)"]
    resolved = [resolved_params(make_method(spec, 0)) for spec in specs]
    assert len({json.dumps(r, sort_keys=True) for r in resolved}) == len(specs)  # JSON as it is, no default=repr
    assert resolved_params(make_method("adversarial", 1)) != resolved[6]  # the seed
    chain = resolved[specs.index("adversarial(latent=8)")]
    assert chain["type"] == "emoshield.methods.baselines.Chain"
    assert chain["steps"] == [{"type": "emoshield.methods.speaker_norm.SpeakerNorm"},
                              {"type": "emoshield.privacy.encoder.AdversarialEncoder"}]
    assert chain["speakernorm__scale"] is True and chain["adversarialencoder__config"]["latent"] == 8
    federated = resolved[specs.index("fl_adversarial(rounds=3)")]
    assert federated["federatedencoder__rounds"] == 3 and federated["federatedencoder__encoder__kl_weight"] == 0.1


def test_a_sweep_is_one_spec_per_value():
    assert SweepConfig(parameter="latent", values=(32.0, 64.0)).specs() == (
        "adversarial(latent=32)", "adversarial(latent=64)"
    )
    assert SweepConfig(parameter="alpha", values=(0.5,), method="ae_emotion").specs() == ("ae_emotion(alpha=0.5)",)
    assert SweepConfig(parameter="kl_weight", values=(0.1,), method="adversarial(front_end=speaker)").specs() == (
        "adversarial(front_end=speaker,kl_weight=0.1)",
    )
    assert SweepConfig().specs() == ()
    with pytest.raises(ConfigError, match="no values"):
        SweepConfig(parameter="alpha").specs()


def test_frontier_labels_of_close_points_do_not_overlap():

    from emoshield.figures import label_points, new_figure

    fig, axes = new_figure(5.2, 4.2)
    ax = axes[0][0]
    ax.set_xlim(50, 100)
    ax.set_ylim(50, 85)
    label_points(ax, [(f"latent={n}", 60 + 0.8 * i, 76 + 0.3 * i) for i, n in enumerate((8, 32, 128, 512))])
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.texts]
    assert len(boxes) == 4
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_only_the_points_of_a_sweep_are_joined_on_the_frontier():
    from emoshield.evaluation.plots import point_labels, sweep_families
    from emoshield.evaluation.summary import MethodResult

    specs = ["raw", "adversarial", "adversarial(front_end=speaker)", "adversarial(latent=8)", "adversarial(latent=32)"]
    families = sweep_families([MethodResult(spec, {}) for spec in specs])
    assert {name: [r.method for r in members] for name, members in families.items()} == {
        "raw": ["raw"],
        "adversarial": ["adversarial"],
        "adversarial(front_end=speaker)": ["adversarial(front_end=speaker)"],
        "adversarial(latent)": ["adversarial(latent=8)", "adversarial(latent=32)"],
    }
    fixed = ["adversarial(front_end=speaker,kl_weight=0)", "adversarial(front_end=speaker,kl_weight=0.1)"]
    assert list(sweep_families([MethodResult(spec, {}) for spec in fixed])) == ["adversarial(front_end=speaker,kl_weight)"]
    assert point_labels([MethodResult(spec, {}) for spec in [*fixed, "raw", "adversarial(latent=8)"]]) == {
        fixed[0]: "kl_weight=0", fixed[1]: "kl_weight=0.1", "raw": "raw", "adversarial(latent=8)": "latent=8",
    }


def test_speaker_norm_standardises_each_speaker_with_its_own_statistics():
    from emoshield.methods import SpeakerNorm

    rng = np.random.default_rng(0)
    speakers = np.repeat(["a", "b", "c"], [5, 8, 3])
    X = rng.normal(size=(16, 4)) * [1, 2, 3, 0] + rng.normal(size=(3, 4))[np.searchsorted(["a", "b", "c"], speakers)] * 10
    attributes = pd.DataFrame({"speaker": speakers})
    out = make_method("speaker_norm", seed=0).fit(X[:13], attributes[:13]).transform(X, attributes)
    for s in "abc":
        rows = speakers == s
        np.testing.assert_allclose(out[rows].mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(out[rows][:, :3].std(axis=0), 1)
    np.testing.assert_allclose(out[:, 3], 0, atol=1e-12)  # a feature constant within each speaker stays at 0
    centred = SpeakerNorm(scale=False).transform(X, attributes)
    np.testing.assert_allclose(centred[speakers == "a"], X[speakers == "a"] - X[speakers == "a"].mean(axis=0))


def test_speaker_norm_refuses_what_it_cannot_normalise():
    X = np.zeros((3, 2))
    with pytest.raises(ConfigError, match=r"min_utterances must be an integer >= 2, got 1"):
        make_method("speaker_norm(min_utterances=1)", seed=0)
    with pytest.raises(ManifestError, match=r"speaker b has 1 utterance.*min_utterances=2"):
        make_method("speaker_norm", seed=0).transform(X, pd.DataFrame({"speaker": ["a", "a", "b"]}))
    with pytest.raises(ConfigError, match="needs the speaker of every utterance"):
        make_method("speaker_norm", seed=0).transform(X)


def test_speaker_norm_priors_shrink_a_small_enrolment_toward_the_training_speakers():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    attributes = pd.DataFrame({"speaker": np.repeat(["a", "b"], 20)})
    fitted = SpeakerNorm(prior=1e6, mean_prior=1e6).fit(X, attributes)
    released = attributes.assign(enrolment=np.where(np.arange(40) < 20, 0, 1), enrols=-1)
    released.loc[[0, 1], "enrols"] = 0
    released.loc[[20, 21], "enrols"] = 1
    # an overwhelming prior: the training speakers' statistics, whatever two enrolment utterances say
    np.testing.assert_allclose(fitted.transform(X, released),
                               (X - fitted.centre_) / np.sqrt(fitted.variance_), atol=1e-5)
    # no prior: the enrolment's own statistics, as before
    plain = SpeakerNorm().transform(X, released)
    np.testing.assert_allclose(plain[5], (X[5] - X[:2].mean(axis=0)) / X[:2].std(axis=0))
    with pytest.raises(ConfigError, match="prior and mean_prior"):
        make_method("speaker_norm(prior=-1)", seed=0)


def test_an_emotion_aware_enrolment_keeps_the_emotion_a_skewed_enrolment_centres_away():
    """Speakers who enrol with negative utterances only: the plain front end centres the negative ones at 0
    (the emotion goes with the voice); the emotion-aware one takes each enrolment utterance's expected label
    shift out first, so negative utterances stay below the speaker's neutral point."""
    rng = np.random.default_rng(0)
    n_speakers, per = 8, 20
    speakers = np.repeat([f"s{i}" for i in range(n_speakers)], per)
    labels = np.tile(np.repeat(["negative", "positive"], per // 2), n_speakers)
    X = rng.normal(size=(len(speakers), 50)) + rng.normal(size=(n_speakers, 50)).repeat(per, axis=0)
    X += np.where(labels == "positive", 1.0, -1.0)[:, None]  # the label moves every feature by 1 sd
    attributes = pd.DataFrame({"speaker": speakers, "label": labels})
    index = np.arange(len(X)) % per
    speaker_number = np.arange(len(X)) // per
    # each speaker's enrolment: its first 8 utterances, all negative; they standardise the other 12
    released = attributes.assign(enrolment=speaker_number, enrols=np.where(index < 8, speaker_number, -1))
    negatives = (index >= 8) & (labels == "negative")
    plain = SpeakerNorm(scale=False).fit(X, attributes).transform(X, released)
    aware = SpeakerNorm(scale=False, emotion_aware=True).fit(X, attributes)
    released_aware = aware.transform(X, released)
    assert abs(plain[negatives].mean()) < 0.2  # centred away
    assert released_aware[negatives].mean() < plain[negatives].mean() - 0.5  # kept below the neutral point
    priors = aware.priors
    assert priors.shifts.shape == (2, 50) and priors.shifts[1].mean() == pytest.approx(1.0, abs=0.1)
    enrolment = priors.neutralise(X[:8])  # the definition: statistics of the enrolment with its shifts out
    np.testing.assert_allclose(released_aware[8], X[8] - enrolment.mean(axis=0))
    with pytest.raises(ConfigError, match="needs the speaker and label"):
        SpeakerNorm(emotion_aware=True).fit(X)
