"""Attribute inference on model updates: the server guesses each client's gender from its update.

The attacker sits at the server. It owns public speakers of known gender and,
every round, trains shadow clients on them from the same global model with the
same local recipe (and the same DP treatment) to get updates of known gender.
Each update is count-sketched layer by layer; a *view* (sketch size, one layer
or all layers, regularisation) is a logistic regression trained on the shadow
updates of the latest rounds, which predicts the gender of each real client
from the update it sent (per update) and from its updates together (per
client: log-probabilities summed over its first rounds, or all of them).

The federation's clients are two disjoint speaker groups: *tuning* clients,
whose genders the attacker is given to choose its view and how many first
rounds decide a client (a validation set), and
*scored* clients, on which alone leakage is reported. ``attack_split`` rotates
gender-balanced groups so that ``folds`` rotations score every speaker once,
and intervals count distinct speakers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from emoshield.evaluation.metrics import uar
from emoshield.fl.aggregate import difference
from emoshield.fl.data import Samples
from emoshield.fl.dp import clip, noise_share
from emoshield.fl.errors import FederatedError
from emoshield.fl.local import lean_torch, set_weights, train_local
from emoshield.fl.models import build_model
from emoshield.fl.partition import partition_by_speaker
from emoshield.fl.plan import FederatedPlan
from emoshield.fl.settings import DpMode, FlSettings

ALL = "all layers"
Sketched = list[np.ndarray]  # one sketched vector per layer


class Sketch:
    """Count sketch of each layer's flattened update into ``size`` numbers (linear, seeded); small layers stay as they are."""

    def __init__(self, size: int, seed: int = 0) -> None:
        self.size, self.seed = size, seed
        self._hashes: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def layer(self, index: int, values: np.ndarray) -> np.ndarray:
        flat = np.asarray(values, dtype=np.float64).ravel()
        if flat.size <= self.size:
            return flat
        key = (index, flat.size)
        if key not in self._hashes:
            rng = np.random.default_rng([self.seed, index, flat.size])
            self._hashes[key] = (rng.integers(self.size, size=flat.size), rng.choice([-1.0, 1.0], size=flat.size))
        bucket, sign = self._hashes[key]
        return np.bincount(bucket, weights=sign * flat, minlength=self.size)

    def __call__(self, update: list[np.ndarray]) -> Sketched:
        return [self.layer(i, u) for i, u in enumerate(update)]


@dataclass(frozen=True)
class View:
    """What one of the attacker's classifiers looks at: a sketch size, a layer (or all), its regularisation C."""

    sketch: int
    layer: str
    c: float

    def pick(self, sketched: Sketched, layers: list[str]) -> np.ndarray:
        return np.concatenate(sketched) if self.layer == ALL else sketched[layers.index(self.layer)]

    def as_dict(self) -> dict[str, Any]:
        return {"sketch": self.sketch, "layer": self.layer, "c": self.c}


@dataclass(frozen=True)
class AttackSplit:
    """Speakers by role: the attacker's public shadow speakers, tuning clients, scored clients."""

    public: list[str]
    tuning: list[str]
    scored: list[str]

    @property
    def clients(self) -> list[str]:
        return sorted(self.tuning + self.scored)


def attack_split(samples: Samples, folds: int, rotation: int, seed: int) -> AttackSplit:
    """Gender-balanced speaker groups; group ``rotation`` is scored, the next tunes, the rest is public.

    Every group holds both genders, so tuning and scoring each see both; FederatedError if a
    gender has fewer than ``folds`` speakers.
    """
    rng = np.random.default_rng(seed)
    groups: list[list[str]] = [[] for _ in range(folds)]
    for gender in sorted(set(samples.genders.tolist())):
        speakers = sorted(set(samples.speakers[samples.genders == gender].tolist()))
        if len(speakers) < folds:
            raise FederatedError(f"attack.folds = {folds} needs at least {folds} speakers of each gender in every group; "
                                 f"the data has {len(speakers)} {gender} speaker(s)")
        for k, speaker in enumerate(rng.permutation(speakers)):
            groups[k % folds].append(str(speaker))
    scored, tuning = groups[rotation], groups[(rotation + 1) % folds]
    public = [s for k, g in enumerate(groups) if k not in (rotation, (rotation + 1) % folds) for s in g]
    return AttackSplit(sorted(public), sorted(tuning), sorted(scored))


@dataclass
class UpdateAttack:
    """The observer the server calls each round with the global model and the clients' updates."""

    settings: FlSettings
    shadow: Samples
    client_genders: dict[int, str]
    layers: list[str]
    sampled: int
    seed: int = 0
    window: int = 3  # shadow updates of this many latest rounds train the classifiers
    history: list[tuple[dict[int, list[Sketched]], list[str]]] = field(default_factory=list)
    log_proba: dict[View, dict[int, list[np.ndarray]]] = field(default_factory=dict)  # per view and client, a row per round
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.sketches = {size: Sketch(size, self.seed) for size in self.settings.attack.sketches}
        self.views = [View(size, layer, c) for size in self.sketches for layer in (ALL, *self.layers)
                      for c in self.settings.attack.regularisation]

    def __call__(self, server_round: int, sent: list[np.ndarray], returned: dict[int, list[np.ndarray]]) -> None:
        self.history = [*self.history, self._shadow_updates(server_round, sent)][-self.window:]
        y_shadow = [y for _, ys in self.history for y in ys]
        clients = sorted(returned)
        real = [self._sketch(difference(returned[c], sent)) for c in clients]
        for view in self.views:
            X_shadow = [view.pick(x, self.layers) for sketched, _ in self.history for x in sketched[view.sketch]]
            labels, proba = _fit_proba(X_shadow, y_shadow, [view.pick(x[view.sketch], self.layers) for x in real], view.c)
            self.labels = labels
            rows = self.log_proba.setdefault(view, {})
            for client, row in zip(clients, np.log(np.clip(proba, 1e-6, 1.0))):
                rows.setdefault(client, []).append(row)

    def _sketch(self, update: list[np.ndarray]) -> dict[int, Sketched]:
        return {size: sketch(update) for size, sketch in self.sketches.items()}

    def scores(self, view: View, clients: list[int], first_rounds: int = 0) -> dict[str, Any]:
        """Accuracy and UAR of one view on these clients: per update (every round), and per client from the
        evidence of its first ``first_rounds`` rounds (0: all) summed."""
        truth, guess, client_truth, client_guess = [], [], [], []
        for client in clients:
            rows = np.asarray(self.log_proba[view][client])
            truth += [self.client_genders[client]] * len(rows)
            guess += [self.labels[k] for k in rows.argmax(axis=1)]
            client_truth.append(self.client_genders[client])
            evidence = rows[:first_rounds] if first_rounds else rows
            client_guess.append(self.labels[int(evidence.sum(axis=0).argmax())])
        return {"per_update": _scored(truth, guess), "per_client": _scored(client_truth, client_guess),
                "guesses": dict(zip(clients, client_guess))}

    def choose(self, tuning: list[int]) -> tuple[View, int]:
        """The view and number of first rounds with the best per-client accuracy on the tuning clients
        (per-update accuracy breaks ties, then the order of the candidates)."""
        def rank(candidate: tuple[View, int]) -> tuple[float, float]:
            s = self.scores(candidate[0], tuning, candidate[1])
            return s["per_client"]["accuracy"], s["per_update"]["accuracy"]
        seen = len(next(iter(self.log_proba[self.views[0]].values())))
        firsts = dict.fromkeys(k if 0 < k < seen else 0 for k in self.settings.attack.first_rounds)  # k >= seen: all
        return max(((v, k) for v in self.views for k in firsts), key=rank)

    def summary(self, tuning: list[int], scored: list[int], speakers: list[str]) -> dict[str, Any]:
        """The view chosen on the tuning clients, its leakage on the scored ones, every view's scores beside."""
        if not tuning or not scored:
            raise FederatedError("the update attack needs tuning and scored clients")
        chosen, first_rounds = self.choose(tuning)
        result = self.scores(chosen, scored, first_rounds)
        truth = [self.client_genders[c] for c in scored]
        _, counts = np.unique(truth, return_counts=True)
        views = []
        for view in self.views:
            on_tuning, on_scored = self.scores(view, tuning), self.scores(view, scored)
            views.append({**view.as_dict(), "tuning": {k: on_tuning[k] for k in ("per_update", "per_client")},
                          "scored": {k: on_scored[k] for k in ("per_update", "per_client")}})
        return {
            "dp": self.settings.dp.mode.value,
            "chosen": {**chosen.as_dict(), "first_rounds": first_rounds},
            "per_update": result["per_update"],
            "per_client": result["per_client"],
            "decisions": [{"speaker": speakers[c], "gender": self.client_genders[c], "guess": result["guesses"][c]}
                          for c in scored],
            "chance": float(counts.max() / counts.sum()),
            "views": views,
            "tuning_speakers": [speakers[c] for c in tuning],
            "scored_speakers": [speakers[c] for c in scored],
            "shadow_speakers": sorted(np.unique(self.shadow.speakers).tolist()),
        }

    def _shadow_updates(self, server_round: int, sent: list[np.ndarray]) -> tuple[dict[int, list[Sketched]], list[str]]:
        rng = np.random.default_rng([self.seed, server_round])
        s = self.settings
        X: dict[int, list[Sketched]] = {size: [] for size in self.sketches}
        y = []
        for speaker in np.unique(self.shadow.speakers):
            own = self.shadow.of_speakers([speaker])
            for _ in range(s.attack.shadow_repeats):
                part = own.subset(rng.choice(len(own), size=max(2, int(0.8 * len(own))), replace=False))
                with lean_torch(int(rng.integers(1 << 30))):
                    model = build_model(s.model, own.n_features, len(own.classes), s.hidden)
                    set_weights(model, sent)
                    train_local(model, part, s.local, int(rng.integers(1 << 30)))
                    after = [v.numpy() for v in model.state_dict().values()]
                for size, sketched in self._sketch(self._as_sent(difference(after, sent), rng)).items():
                    X[size].append(sketched)
                y.append(str(own.genders[0]))
        return X, y

    def _as_sent(self, update: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
        """What a client's update looks like on the wire under the configured DP mode."""
        dp = self.settings.dp
        if dp.mode is DpMode.CENTRAL:
            return clip(update, dp.clip)
        if dp.mode is DpMode.DISTRIBUTED:
            return noise_share(update, dp.noise, dp.clip, self.sampled, rng)
        return update


def _scored(truth: list[str], guess: list[str]) -> dict[str, Any]:
    correct = int(np.sum(np.asarray(truth) == np.asarray(guess)))
    return {"accuracy": correct / len(truth), "uar": uar(truth, guess), "correct": correct, "n": len(truth)}


def _fit_proba(X: list[np.ndarray], y: list[str], X_test: list[np.ndarray], c: float = 1.0) -> tuple[tuple[str, ...], np.ndarray]:
    """Logistic regression on standardised sketches: (labels, probabilities per test row and label).

    A diverged (non-finite) update reads as zeros.
    """
    labels = tuple(sorted(set(y)))
    if len(labels) < 2:
        return labels, np.ones((len(X_test), 1))
    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
    model.fit(_finite(X), np.asarray(y))
    return tuple(model.classes_.tolist()), model.predict_proba(_finite(X_test))


def _finite(rows: list[np.ndarray]) -> np.ndarray:
    return np.nan_to_num(np.asarray(rows, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)


def run_attack(samples: Samples, settings: FlSettings, out_dir: Path) -> dict[str, Any]:
    """One federated training on the tuning and scored speakers, attacked every round; leakage summary."""
    # Flower and Ray: only when the attack simulates its shadow clients
    from emoshield.fl.simulation import simulate

    split = attack_split(samples, settings.attack.folds, settings.attack.rotation, settings.seed)
    clients = split.clients
    partition_by_speaker(samples, clients)
    data_path = str(samples.save(Path(out_dir) / "client_data.npz").resolve())
    shadow = samples.of_speakers(split.public)
    with lean_torch(settings.seed):
        layers = list(build_model(settings.model, samples.n_features, len(samples.classes), settings.hidden).state_dict())
    genders = {i: str(samples.genders[samples.speakers == s][0]) for i, s in enumerate(clients)}
    plan = FederatedPlan(replace(settings, fail_client=-1), data_path, clients, shadow,
                         samples.n_features, len(samples.classes), settings.seed)
    attack = UpdateAttack(settings, shadow, genders, layers, plan.sampled, settings.seed)
    plan.observer = attack
    simulate(plan)
    ids = {speaker: i for i, speaker in enumerate(clients)}
    return attack.summary([ids[s] for s in split.tuning], [ids[s] for s in split.scored], clients)
