"""What an attack study compares: its settings, checked when read."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from emoshield.attacks.models import build_network, check_family
from emoshield.attacks.train import FitSettings
from emoshield.config import choice
from emoshield.errors import ConfigError


class Mode(StrEnum):
    """How an attacker uses the intercepted layer (``attacks.modes``); ``eer`` links speakers instead."""

    SPLICE = "splice"
    PROBE = "probe"
    PANEL = "panel"
    EER = "eer"  # speaker verification from each layer, beyond seed 002


class Kind(StrEnum):
    GENERIC = "generic"  # A_g: a gender model
    AWARE = "aware"  # A_a: application-aware, gender and emotion heads (multi-task)


class Initialisation(StrEnum):
    INDEPENDENT = "independent"
    SHARED = "shared"  # every network starts from its architecture's pretrained blocks


#: The modes that infer gender.
GENDER_MODES = (Mode.SPLICE, Mode.PROBE, Mode.PANEL)
MODES = tuple(Mode)
KINDS = tuple(Kind)
INITIALISATIONS = tuple(Initialisation)


@dataclass(frozen=True)
class StudySettings:
    """What the study compares (defaults: seed 002's matrix at every shared layer)."""

    target_arch: str = "vgg"
    other_archs: tuple[str, ...] = ("vgg_deep", "resnet", "densenet")
    other_family: str = "lstm"
    scenarios: tuple[str, ...] = ("worst", "s1", "s2", "s3", "s4")
    modes: tuple[Mode, ...] = MODES
    kinds: tuple[Kind, ...] = KINDS
    layers: tuple[str, ...] = ("pool1", "pool2", "pool3", "pool4", "dense1", "dense2")
    probe_layers: tuple[str, ...] = ()  # the layers probes train on (empty: every one of ``layers``); a probe is a fit
    panel: tuple[str, ...] = ("logreg", "svm", "mlp", "knn", "gboost")
    folds: int = 5
    features: str = "logmel"  # what T and the CNN attackers read: logmel, or lld (IS09 LLDs as an image; Table 4)
    initialisation: Initialisation = Initialisation.INDEPENDENT
    defence: float = 0.0  # > 0: T trains a gender head on the first of ``layers`` through gradient reversal this strong
    training: FitSettings = field(default_factory=FitSettings)
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("other_archs", "scenarios", "modes", "kinds", "layers", "probe_layers", "panel"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if isinstance(self.training, dict):
            object.__setattr__(self, "training", FitSettings(**self.training))
        if self.defence < 0:
            raise ConfigError(f"defence: a gradient reversal strength >= 0, got {self.defence}")
        object.__setattr__(self, "initialisation", choice(Initialisation, self.initialisation, "initialisation"))
        object.__setattr__(self, "modes", tuple(choice(Mode, m, "modes") for m in self.modes))
        object.__setattr__(self, "kinds", tuple(choice(Kind, k, "kinds") for k in self.kinds))
        for arch in (self.target_arch, *self.other_archs, self.other_family):
            check_family(arch)
        target = build_network(self.target_arch, {"emotion": 2}, features=self.features)
        for layer in (*self.layers, *self.probe_layers):
            target.check_layer(layer)

    @property
    def probed(self) -> tuple[str, ...]:
        """The layers probes train on."""
        return self.probe_layers or self.layers
