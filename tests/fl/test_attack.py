import numpy as np

from emoshield.fl.attack import ALL, Sketch, UpdateAttack, public_split
from emoshield.fl.data import Samples
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


def attack_accuracy(dp: dict) -> float:
    samples = gendered_samples()
    settings = settings_from({"rounds": 2, "hidden": 8, "dp": dp, "local": {"epochs": 2, "lr": 0.1, "batch_size": 8}})
    public, private = public_split(samples, 0.5, seed=0)
    with lean_torch(0):
        model = build_model("dnn", 4, 2, 8)
    sent = get_weights(model)
    genders = {i: str(samples.genders[samples.speakers == s][0]) for i, s in enumerate(private)}
    attack = UpdateAttack(settings, samples.of_speakers(public), genders, list(model.state_dict()), len(private))
    for server_round in (1, 2):
        returned = {}
        for i, speaker in enumerate(private):
            with lean_torch(i):
                client = build_model("dnn", 4, 2, 8)
                set_weights(client, sent)
                train_local(client, samples.of_speakers([speaker]), settings.local, seed=i + 10 * server_round)
            update = [a - b for a, b in zip(get_weights(client), sent)]
            returned[i] = [b + u for b, u in zip(sent, attack._as_sent(update, np.random.default_rng(i)))]
        attack(server_round, sent, returned)
    summary = attack.summary()
    assert summary["n_predictions"] == 2 * len(private) and summary["chance"] == 0.5
    assert set(summary["per_round"]) == {"1", "2"}
    assert summary["per_client"][ALL]["clients"] == len(private)
    return summary["per_layer"][ALL]["accuracy"]


def test_gender_leaks_from_updates_and_heavy_noise_hides_it():
    assert attack_accuracy({"mode": "none"}) >= 0.9
    assert attack_accuracy({"mode": "distributed", "noise": 50.0, "clip": 0.1}) <= 0.75


def test_sketch_is_linear_and_keeps_small_layers():
    sketch = Sketch(8, seed=1)
    a, b = np.random.default_rng(0).normal(size=(2, 100))
    assert np.allclose(sketch.layer(0, a + b), sketch.layer(0, a) + sketch.layer(0, b))
    assert np.allclose(sketch.layer(1, np.arange(3.0))[:3], [0, 1, 2])


def test_public_and_private_speakers_are_disjoint_and_hold_both_genders():
    samples = gendered_samples(n_speakers=6)
    public, private = public_split(samples, 0.5, seed=0)
    assert not set(public) & set(private) and len(public) + len(private) == 6
    for side in (public, private):
        assert set(samples.of_speakers(side).genders) == {"female", "male"}


def test_a_diverged_update_does_not_break_the_attacker():
    from emoshield.fl.attack import _fit_proba

    X = [np.array([1.0, 0.0]), np.array([1.2, 0.1]), np.array([-1.0, 0.0]), np.array([-0.9, 0.2])]
    y = ["female", "female", "male", "male"]
    labels, proba = _fit_proba(X, y, [np.array([np.nan, np.inf]), np.array([2.0, 0.0])])
    assert labels == ("female", "male") and proba.shape == (2, 2) and proba[1].argmax() == 0


def test_evidence_from_every_round_decides_each_client_once():
    samples = gendered_samples()
    attack = UpdateAttack(settings_from({}), samples, {0: "female", 1: "male"}, ["w"], 2)
    # round 1 wrongly leans male for client 0, rounds 2 and 3 are confident it is female
    for proba in ([[0.4, 0.6], [0.1, 0.9]], [[0.9, 0.1], [0.2, 0.8]], [[0.8, 0.2], [0.3, 0.7]]):
        attack._accumulate(ALL, [0, 1], ("female", "male"), np.asarray(proba))
    assert attack.per_client()[ALL] == {"accuracy": 1.0, "uar": 1.0, "clients": 2}
