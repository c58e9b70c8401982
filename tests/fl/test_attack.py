import numpy as np
import pytest

from emoshield.fl.attack import ALL, Sketch, UpdateAttack, View, attack_split
from emoshield.fl.data import Samples
from emoshield.fl.errors import FederatedError
from emoshield.fl.local import get_weights, lean_torch, set_weights, train_local
from emoshield.fl.models import build_model
from emoshield.fl.settings import settings_from


def gendered_samples(n_speakers: int = 8, per_speaker: int = 16, seed: int = 0) -> Samples:
    """The emotion shows on feature 0 for female speakers and on feature 1 for male ones."""
    rng = np.random.default_rng(seed)
    X, y, speakers, genders = [], [], [], []
    for s in range(n_speakers):
        gender = "female" if s % 2 else "male"
        for u in range(per_speaker):
            label = u % 2
            x = rng.normal(size=4)
            x[0 if gender == "female" else 1] += 3.0 * (2 * label - 1)
            X.append(x), y.append(label), speakers.append(f"s{s}"), genders.append(gender)
    X = np.asarray(X, dtype=np.float32)
    return Samples(X, np.ones(len(y), dtype=np.int64), np.asarray(y), np.asarray(speakers), np.asarray(genders), ("a", "b"))


def attack_summary(dp: dict, rounds: int = 2) -> dict:
    """The attack over 48 speakers: 16 scored clients, 32 decisions.

    With 12 speakers (8 decisions) an attacker at chance passes ``<= 0.75`` only with 6 of 8 or fewer right:
    over twelve seeds the noisy run reached 6/8 twice, one decision from failing, and the run without noise
    had to be 8/8 to pass ``>= 0.9``. With 48 speakers the noisy run is 0.34-0.69 and the plain one 32/32
    over twelve seeds, in the same time (the attack's fits, not the clients', take it).
    """
    samples = gendered_samples(n_speakers=48)
    settings = settings_from({"rounds": rounds, "hidden": 8, "dp": dp, "local": {"epochs": 2, "lr": 0.1, "batch_size": 8},
                              "attack": {"folds": 3, "sketches": [4, 64], "regularisation": [0.1, 1.0]}})
    split = attack_split(samples, 3, 0, seed=0)
    clients = split.clients
    with lean_torch(0):
        model = build_model("dnn", 4, 2, 8)
    sent = get_weights(model)
    genders = {i: str(samples.genders[samples.speakers == s][0]) for i, s in enumerate(clients)}
    attack = UpdateAttack(settings, samples.of_speakers(split.public), genders, list(model.state_dict()), len(clients))
    for server_round in range(1, rounds + 1):
        returned = {}
        for i, speaker in enumerate(clients):
            with lean_torch(i):
                client = build_model("dnn", 4, 2, 8)
                set_weights(client, sent)
                train_local(client, samples.of_speakers([speaker]), settings.local, seed=i + 10 * server_round)
            update = [a - b for a, b in zip(get_weights(client), sent)]
            returned[i] = [b + u for b, u in zip(sent, attack._as_sent(update, np.random.default_rng(i)))]
        attack(server_round, sent, returned)
    ids = {s: i for i, s in enumerate(clients)}
    summary = attack.summary([ids[s] for s in split.tuning], [ids[s] for s in split.scored], clients)
    assert summary["per_update"]["n"] == rounds * len(split.scored) and summary["chance"] == 0.5
    assert [d["speaker"] for d in summary["decisions"]] == split.scored == summary["scored_speakers"]
    assert len(summary["views"]) == 2 * (1 + 6) * 2  # sketch sizes x (all + 6 tensors) x C values
    return summary


def test_gender_leaks_from_updates_and_heavy_noise_hides_it():
    assert attack_summary({"mode": "none"})["per_update"]["accuracy"] >= 0.9
    assert attack_summary({"mode": "distributed", "noise": 50.0, "clip": 0.1})["per_update"]["accuracy"] <= 0.75


def test_sketch_is_linear_and_keeps_small_layers():
    sketch = Sketch(8, seed=1)
    a, b = np.random.default_rng(0).normal(size=(2, 100))
    assert np.allclose(sketch.layer(0, a + b), sketch.layer(0, a) + sketch.layer(0, b))
    assert np.allclose(sketch.layer(1, np.arange(3.0))[:3], [0, 1, 2])


def test_rotations_score_every_speaker_once_and_keep_the_roles_apart():
    samples = gendered_samples(n_speakers=12)
    scored = []
    for rotation in range(4):
        split = attack_split(samples, 4, rotation, seed=3)
        assert not set(split.public) & set(split.tuning) and not set(split.scored) & (set(split.public) | set(split.tuning))
        assert len(split.public) + len(split.tuning) + len(split.scored) == 12
        for group in (split.public, split.tuning, split.scored):
            assert set(samples.of_speakers(group).genders) == {"female", "male"}
        scored += split.scored
    assert sorted(scored) == sorted(set(samples.speakers.tolist()))


def test_too_few_speakers_of_a_gender_for_the_folds_is_named():
    with pytest.raises(FederatedError, match="attack.folds = 4 needs at least 4 speakers.*3 female"):
        attack_split(gendered_samples(n_speakers=6), 4, 0, seed=0)


def test_a_diverged_update_does_not_break_the_attacker():
    from emoshield.fl.attack import _fit_proba

    X = [np.array([1.0, 0.0]), np.array([1.2, 0.1]), np.array([-1.0, 0.0]), np.array([-0.9, 0.2])]
    y = ["female", "female", "male", "male"]
    labels, proba = _fit_proba(X, y, [np.array([np.nan, np.inf]), np.array([2.0, 0.0])])
    assert labels == ("female", "male") and proba.shape == (2, 2) and proba[1].argmax() == 0


def test_the_view_and_the_rounds_that_decide_are_chosen_on_tuning_clients_only():
    samples = gendered_samples()
    settings = settings_from({"attack": {"sketches": [8], "regularisation": [1.0], "first_rounds": [0, 1]}})
    attack = UpdateAttack(settings, samples, {0: "female", 1: "male", 2: "female", 3: "male"}, ["w"], 4)
    attack.labels = ("female", "male")
    good, bad = View(8, ALL, 1.0), View(8, "w", 1.0)
    log = lambda *p: [np.log(np.asarray(row)) for row in p]
    # on tuning client 0 only the first round of the good view is right; the bad view is always wrong
    attack.log_proba = {
        good: {0: log([0.9, 0.1], [0.2, 0.8], [0.2, 0.8]), 1: log([0.2, 0.8]),
               2: log([0.6, 0.4], [0.1, 0.9], [0.2, 0.8]), 3: log([0.3, 0.7])},
        bad: {0: log([0.1, 0.9]), 1: log([0.8, 0.2]), 2: log([0.1, 0.9]), 3: log([0.1, 0.9])},
    }
    summary = attack.summary([0, 1], [2, 3], ["a", "b", "c", "d"])
    assert summary["chosen"] == {"sketch": 8, "layer": ALL, "c": 1.0, "first_rounds": 1}
    assert summary["per_client"] == {"accuracy": 1.0, "uar": 1.0, "correct": 2, "n": 2}
    assert summary["per_update"]["correct"] == 2 and summary["per_update"]["n"] == 4
    assert summary["decisions"] == [{"speaker": "c", "gender": "female", "guess": "female"},
                                    {"speaker": "d", "gender": "male", "guess": "male"}]
    # with all rounds summed, scored client 2 would have been called male
    assert attack.scores(good, [2], 0)["guesses"] == {2: "male"}
