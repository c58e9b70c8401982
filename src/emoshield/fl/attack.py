"""Attribute inference on model updates: the server guesses each client's gender from its update.

The attacker sits at the server. It owns public speakers of known gender (a
split disjoint from the clients) and, every round, trains shadow clients on
them from the same global model with the same local recipe (and the same DP
treatment) to get updates of known gender. A classifier per layer, trained on
those shadow updates, then predicts the gender of each real client from the
update it sent (per update), and from all its updates so far together (per
client: summed log-probabilities over rounds). Updates are hashed (count
sketch) to a fixed size per layer.
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
from emoshield.fl.local import lean_torch, set_weights, train_local
from emoshield.fl.models import build_model
from emoshield.fl.settings import DpMode, FlSettings

ALL = "all layers"


class Sketch:
    """Count sketch of each layer's flattened update into ``size`` numbers (linear, seeded)."""

    def __init__(self, size: int, seed: int = 0) -> None:
        self.size, self.seed = size, seed
        self._hashes: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def layer(self, index: int, values: np.ndarray) -> np.ndarray:
        flat = np.asarray(values, dtype=np.float64).ravel()
        if flat.size <= self.size:
            return np.pad(flat, (0, self.size - flat.size))
        key = (index, flat.size)
        if key not in self._hashes:
            rng = np.random.default_rng([self.seed, index, flat.size])
            self._hashes[key] = (rng.integers(self.size, size=flat.size), rng.choice([-1.0, 1.0], size=flat.size))
        bucket, sign = self._hashes[key]
        return np.bincount(bucket, weights=sign * flat, minlength=self.size)

    def __call__(self, update: list[np.ndarray]) -> list[np.ndarray]:
        return [self.layer(i, u) for i, u in enumerate(update)]


@dataclass
class UpdateAttack:
    """The observer the server calls each round with the global model and the clients' updates."""

    settings: FlSettings
    shadow: Samples
    client_genders: dict[int, str]
    layers: list[str]
    sampled: int
    seed: int = 0
    window: int = 3  # shadow updates of this many latest rounds train the classifier
    truths: list[str] = field(default_factory=list)
    history: list[tuple[list[list[np.ndarray]], list[str]]] = field(default_factory=list)
    guesses: dict[str, list[str]] = field(default_factory=dict)
    per_round: dict[int, dict[str, float]] = field(default_factory=dict)
    evidence: dict[str, dict[int, dict[str, float]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sketch = Sketch(self.settings.attack.sketch, self.seed)

    def __call__(self, server_round: int, sent: list[np.ndarray], returned: dict[int, list[np.ndarray]]) -> None:
        self.history = [*self.history, self._shadow_updates(server_round, sent)][-self.window:]
        X_shadow = [x for xs, _ in self.history for x in xs]
        y_shadow = [y for _, ys in self.history for y in ys]
        clients = sorted(returned)
        X_real = [self.sketch(difference(returned[c], sent)) for c in clients]
        truth = [self.client_genders[c] for c in clients]
        self.truths += truth
        scores: dict[str, float] = {}
        for name, pick in self._views():
            labels, proba = _fit_proba([pick(x) for x in X_shadow], y_shadow, [pick(x) for x in X_real])
            guess = [labels[k] for k in proba.argmax(axis=1)]
            self.guesses.setdefault(name, []).extend(guess)
            scores[name] = float(np.mean(np.asarray(guess) == np.asarray(truth)))
            self._accumulate(name, clients, labels, proba)
        self.per_round[server_round] = scores

    def _accumulate(self, view: str, clients: list[int], labels: tuple[str, ...], proba: np.ndarray) -> None:
        """Add each client's log-probabilities of this round to its evidence (the server sees every round)."""
        evidence = self.evidence.setdefault(view, {})
        for client, row in zip(clients, np.log(np.clip(proba, 1e-6, 1.0))):
            totals = evidence.setdefault(client, {})
            for label, value in zip(labels, row):
                totals[label] = totals.get(label, 0.0) + float(value)

    def per_client(self) -> dict[str, dict[str, float]]:
        """Each client's gender decided once, from the evidence of all its rounds together."""
        out = {}
        for view, evidence in self.evidence.items():
            clients = sorted(evidence)
            truth = [self.client_genders[c] for c in clients]
            guess = [max(evidence[c], key=evidence[c].get) for c in clients]
            out[view] = {"accuracy": float(np.mean(np.asarray(guess) == np.asarray(truth))), "uar": uar(truth, guess),
                         "clients": len(clients)}
        return out

    def _views(self):
        yield ALL, lambda x: np.concatenate(x)
        for i, name in enumerate(self.layers):
            yield name, (lambda x, i=i: x[i])

    def _shadow_updates(self, server_round: int, sent: list[np.ndarray]) -> tuple[list[list[np.ndarray]], list[str]]:
        rng = np.random.default_rng([self.seed, server_round])
        s = self.settings
        X, y = [], []
        for speaker in np.unique(self.shadow.speakers):
            own = self.shadow.of_speakers([speaker])
            for _ in range(s.attack.shadow_repeats):
                part = own.subset(rng.choice(len(own), size=max(2, int(0.8 * len(own))), replace=False))
                with lean_torch(int(rng.integers(1 << 30))):
                    model = build_model(s.model, own.n_features, len(own.classes), s.hidden)
                    set_weights(model, sent)
                    train_local(model, part, s.local, int(rng.integers(1 << 30)))
                    after = [v.numpy() for v in model.state_dict().values()]
                X.append(self.sketch(self._as_sent(difference(after, sent), rng)))
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

    def summary(self) -> dict[str, Any]:
        truth = np.asarray(self.truths)
        _, counts = np.unique(truth, return_counts=True)
        per_layer = {
            name: {"accuracy": float(np.mean(np.asarray(g) == truth)), "uar": uar(truth, g)}
            for name, g in self.guesses.items()
        }
        return {
            "dp": self.settings.dp.mode.value,
            "per_layer": per_layer,
            "per_client": self.per_client(),
            "per_round": {str(r): v for r, v in self.per_round.items()},
            "chance": float(counts.max() / counts.sum()),
            "n_predictions": int(len(truth)),
            "shadow_speakers": sorted(np.unique(self.shadow.speakers).tolist()),
        }


def _fit_proba(X: list[np.ndarray], y: list[str], X_test: list[np.ndarray]) -> tuple[tuple[str, ...], np.ndarray]:
    """Logistic regression on standardised sketches: (labels, probabilities per test row and label).

    A diverged (non-finite) update reads as zeros.
    """
    labels = tuple(sorted(set(y)))
    if len(labels) < 2:
        return labels, np.ones((len(X_test), 1))
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    model.fit(_finite(X), np.asarray(y))
    return tuple(model.classes_.tolist()), model.predict_proba(_finite(X_test))


def _finite(rows: list[np.ndarray]) -> np.ndarray:
    return np.nan_to_num(np.asarray(rows, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)


def public_split(samples: Samples, fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """(public, private) speakers, gender by gender, at least one of each gender on each side."""
    rng = np.random.default_rng(seed)
    public, private = [], []
    for gender in sorted(set(samples.genders.tolist())):
        group = rng.permutation(sorted(set(samples.speakers[samples.genders == gender].tolist())))
        k = min(max(1, round(fraction * len(group))), len(group) - 1)
        public += group[:k].tolist()
        private += group[k:].tolist()
    return sorted(public), sorted(private)


def run_attack(samples: Samples, settings: FlSettings, out_dir: Path) -> dict[str, Any]:
    """One federated training on the private speakers, attacked every round; leakage summary."""
    from emoshield.fl.partition import partition_by_speaker
    from emoshield.fl.server_app import FederatedPlan
    from emoshield.fl.simulation import simulate

    public, private = public_split(samples, settings.attack.shadow_fraction, settings.seed)
    partition_by_speaker(samples, private)
    data_path = str(samples.save(Path(out_dir) / "client_data.npz").resolve())
    shadow = samples.of_speakers(public)
    with lean_torch(settings.seed):
        layers = list(build_model(settings.model, samples.n_features, len(samples.classes), settings.hidden).state_dict())
    genders = {i: str(samples.genders[samples.speakers == s][0]) for i, s in enumerate(private)}
    plan = FederatedPlan(replace(settings, fail_client=-1), data_path, private, shadow,
                         samples.n_features, len(samples.classes), settings.seed)
    attack = UpdateAttack(settings, shadow, genders, layers, plan.sampled, settings.seed)
    plan.observer = attack
    simulate(plan)
    return attack.summary()
