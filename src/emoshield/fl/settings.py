"""Settings of a federated experiment: named choices as enums, a frozen dataclass, YAML recipes.

A recipe (``configs/fl_*.yaml``) names data, never code::

    model: dnn            # dnn | linear (functionals) | cnn | lstm (MFCC sequences)
    strategy: fedavg      # fedavg | fedprox | fedavgm (server momentum)
    rounds: 20
    local: {epochs: 2, lr: 0.05, batch_size: 16}
    dp: {mode: none}      # none | central | distributed
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Mapping

from emoshield.config import build, choice, plain, read_yaml_mapping
from emoshield.fl.errors import FederatedError


class ModelKind(StrEnum):
    DNN = "dnn"
    LINEAR = "linear"
    CNN = "cnn"
    LSTM = "lstm"


class StrategyKind(StrEnum):
    FEDAVG = "fedavg"
    FEDPROX = "fedprox"
    FEDAVGM = "fedavgm"  # FedAvg with server momentum (Hsu et al. 2019)


class DpMode(StrEnum):
    """``central``: Flower's client-side clipping wrapper, noise added by the server;
    ``distributed``: each client clips and adds its share of the noise, the server only averages."""

    NONE = "none"
    CENTRAL = "central"
    DISTRIBUTED = "distributed"


@dataclass(frozen=True)
class LocalConfig:
    """Local SGD on a client (seed 003): epochs over its data per round."""

    epochs: int = 2
    lr: float = 0.05
    momentum: float = 0.0
    batch_size: int = 16
    proximal_mu: float = 0.0  # FedProx only; 0 for FedAvg


@dataclass(frozen=True)
class DpConfig:
    """Client-level differential privacy: clip each update to ``clip``, Gaussian noise ``noise`` x clip."""

    mode: DpMode = DpMode.NONE
    noise: float = 1.0
    clip: float = 1.0
    delta: float = 1e-5
    max_epsilon: float | None = None  # per-speaker budget: no round starts that could spend more (distributed mode)


@dataclass(frozen=True)
class AttackConfig:
    """The gender-inference attack on updates (fl/attack.py).

    Speakers fall into ``folds`` gender-balanced groups: group ``rotation`` is scored,
    the next one tunes the attacker (which view of the updates it uses), the rest are
    its public shadow speakers. Rotations 0 .. folds-1 score every speaker once.
    """

    enabled: bool = False
    folds: int = 4
    rotation: int = 0
    shadow_repeats: int = 4  # updates per shadow speaker and round (bootstrap subsets)
    sketches: tuple[int, ...] = (512, 2048, 8192)  # candidate numbers per layer an update is hashed to
    regularisation: tuple[float, ...] = (0.01, 1.0)  # candidate C of the attacker's logistic regression
    first_rounds: tuple[int, ...] = (1, 3, 5, 0)  # candidate rounds whose evidence decides a client (0: all it sent)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sketches", tuple(int(s) for s in self.sketches))
        object.__setattr__(self, "regularisation", tuple(float(c) for c in self.regularisation))
        object.__setattr__(self, "first_rounds", tuple(int(k) for k in self.first_rounds))
        if self.folds < 3 or not 0 <= self.rotation < self.folds:
            raise FederatedError(f"attack: need folds >= 3 (scored, tuning and public groups) and 0 <= rotation < folds, "
                                 f"got folds={self.folds}, rotation={self.rotation}")
        if self.shadow_repeats < 1 or not self.sketches or min(self.sketches) < 1:
            raise FederatedError(f"attack: shadow_repeats and every sketch size must be positive, got {self.shadow_repeats}, "
                                 f"{list(self.sketches)}")
        if not self.first_rounds or min(self.first_rounds) < 0:
            raise FederatedError(f"attack.first_rounds: numbers of rounds (0: all), got {list(self.first_rounds)}")
        if not self.regularisation or min(self.regularisation) <= 0:
            raise FederatedError(f"attack.regularisation: positive values of C, got {list(self.regularisation)}")


@dataclass(frozen=True)
class FlSettings:
    """Everything a federated experiment needs besides the data."""

    model: ModelKind = ModelKind.DNN
    strategy: StrategyKind = StrategyKind.FEDAVG
    rounds: int = 20
    clients_per_round: int = 0  # 0: every training client
    folds: int = 5  # speaker folds for federated training (held-out speakers never train)
    central_folds: int = 0  # 0: leave-one-speaker-out for the centralised baseline
    central_epochs: int = 30
    target: str = "emotion"
    repeats: int = 1
    seed: int = 0
    hidden: int = 128
    max_frames: int = 300
    round_timeout: float = 600.0
    workers: int = 1  # parallel client processes in the simulation (Ray CPUs)
    baselines: bool = True
    secagg: bool = False  # SecAgg+: the server sees only the sum of updates (fl/secagg.py)
    server_momentum: float = 0.9  # FedAvgM only: momentum of the server's step along the averaged update
    local: LocalConfig = field(default_factory=LocalConfig)
    dp: DpConfig = field(default_factory=DpConfig)
    attack: AttackConfig = field(default_factory=AttackConfig)
    fail_client: int = -1  # fault injection: this partition raises in ``fail_round``
    fail_round: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", choice(ModelKind, self.model, "model", FederatedError))
        object.__setattr__(self, "strategy", choice(StrategyKind, self.strategy, "strategy", FederatedError))
        if self.rounds < 1:
            raise FederatedError(f"rounds: need at least 1, got {self.rounds}")
        if self.folds < 2:
            raise FederatedError(f"folds: need at least 2 speaker folds, got {self.folds}")
        if self.local.epochs < 1 or self.local.lr <= 0 or self.local.batch_size < 1:
            raise FederatedError(f"local: epochs, lr and batch_size must be positive, got {self.local}")
        if self.strategy is StrategyKind.FEDPROX and self.local.proximal_mu <= 0:
            object.__setattr__(self, "local", replace(self.local, proximal_mu=0.1))
        if not 0 <= self.server_momentum < 1:
            raise FederatedError(f"server_momentum: need 0 <= momentum < 1, got {self.server_momentum}")
        if self.secagg and (self.dp.mode is DpMode.CENTRAL or self.attack.enabled or self.strategy is not StrategyKind.FEDAVG):
            raise FederatedError("secagg: combine it with dp.mode none or distributed, FedAvg, and no update attack "
                                 "(the server sees no individual update)")
        if self.dp.mode is DpMode.CENTRAL and self.strategy is StrategyKind.FEDAVGM:
            raise FederatedError("dp.mode central with strategy fedavgm: Flower's central-DP wrapper cannot wrap a strategy "
                                 "that overrides aggregate_train (server momentum); use fedavg or fedprox with central DP, "
                                 "or dp.mode distributed with fedavgm (momentum only post-processes the noisy average)")
        if self.dp.mode is not DpMode.NONE and (self.dp.noise <= 0 or self.dp.clip <= 0):
            raise FederatedError(f"dp: noise and clip must be positive, got {self.dp}")
        if self.dp.max_epsilon is not None and (self.dp.mode is not DpMode.DISTRIBUTED or self.dp.max_epsilon <= 0 or self.secagg):
            raise FederatedError(f"dp.max_epsilon: a positive budget, with dp.mode distributed and no SecAgg+ (its workflow "
                                 f"cannot skip rounds); got {self.dp.max_epsilon} with mode {self.dp.mode.value}"
                                 + (" and secagg" if self.secagg else ""))

    def as_dict(self) -> dict[str, Any]:
        return plain(self)


def settings_from(data: Mapping[str, Any], source: str = "settings") -> FlSettings:
    """FlSettings from a mapping; FederatedError naming any unknown key or choice."""
    return build(FlSettings, data, source, FederatedError)


def load_settings(path: str | Path, **overrides: Any) -> FlSettings:
    """Read a recipe (YAML mapping) and apply keyword overrides that are not None."""
    data = read_yaml_mapping(Path(path), "FL recipe", FederatedError)
    data.pop("name", None)
    return settings_from({**data, **{k: v for k, v in overrides.items() if v is not None}}, str(path))
