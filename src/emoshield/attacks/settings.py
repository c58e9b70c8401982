"""What an attack study compares: its settings, checked when read."""

from __future__ import annotations

from dataclasses import dataclass, field

from emoshield.attacks.models import build_network, check_family
from emoshield.attacks.train import TrainSettings
from emoshield.errors import ConfigError

#: The modes that infer gender; ``eer`` links speakers instead (speaker verification, beyond seed 002).
GENDER_MODES = ("splice", "probe", "panel")
MODES = (*GENDER_MODES, "eer")
KINDS = ("generic", "aware")
INITIALISATIONS = ("independent", "shared")


@dataclass(frozen=True)
class StudySettings:
    """What the study compares (defaults: seed 002's matrix at every shared layer)."""

    target_arch: str = "vgg"
    other_archs: tuple[str, ...] = ("vgg_deep", "resnet", "densenet")
    other_family: str = "lstm"
    scenarios: tuple[str, ...] = ("worst", "s1", "s2", "s3", "s4")
    modes: tuple[str, ...] = MODES
    kinds: tuple[str, ...] = KINDS
    layers: tuple[str, ...] = ("pool1", "pool2", "pool3", "pool4", "dense1", "dense2")
    probe_layers: tuple[str, ...] = ()  # the layers probes train on (empty: every one of ``layers``); a probe is a fit
    panel: tuple[str, ...] = ("logreg", "svm", "mlp", "knn", "gboost")
    folds: int = 5
    features: str = "logmel"  # what T and the CNN attackers read: logmel, or lld (IS09 LLDs as an image; Table 4)
    initialisation: str = "independent"  # or "shared": every network starts from its architecture's pretrained blocks
    defence: float = 0.0  # > 0: T trains a gender head on the first of ``layers`` through gradient reversal this strong
    training: TrainSettings = field(default_factory=TrainSettings)
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("other_archs", "scenarios", "modes", "kinds", "layers", "probe_layers", "panel"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if isinstance(self.training, dict):
            object.__setattr__(self, "training", TrainSettings(**self.training))
        if self.defence < 0:
            raise ConfigError(f"defence: a gradient reversal strength >= 0, got {self.defence}")
        if self.initialisation not in INITIALISATIONS:
            raise ConfigError(f"initialisation: {self.initialisation!r}; choose {' or '.join(INITIALISATIONS)}")
        for name, allowed in (("modes", MODES), ("kinds", KINDS)):
            unknown = sorted(set(getattr(self, name)) - set(allowed))
            if unknown:
                raise ConfigError(f"{name}: unknown {unknown}; choose from {', '.join(allowed)}")
        for arch in (self.target_arch, *self.other_archs, self.other_family):
            check_family(arch)
        target = build_network(self.target_arch, {"emotion": 2}, features=self.features)
        for layer in (*self.layers, *self.probe_layers):
            target.check_layer(layer)

    @property
    def probed(self) -> tuple[str, ...]:
        """The layers probes train on."""
        return self.probe_layers or self.layers
