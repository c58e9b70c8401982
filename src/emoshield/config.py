"""Experiment recipes: frozen dataclasses loaded from YAML, with dotted overrides.

A recipe names data, not code: nothing in it is executed or imported.

    corpus:     {name: emodb, root: ../shared/corpora/emodb}      # or name: synthetic
    features:   {set: compare2016}
    evaluation: {methods: [raw, pca], target: valence, repeats: 5}
    output: runs/table2-emodb

Overrides use dotted keys: ``evaluation.repeats=1``, ``corpus.speakers=8``,
``evaluation.methods=raw,pca``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Sequence

import yaml

from emoshield.errors import ConfigError, EmoshieldError


@dataclass(frozen=True)
class CorpusConfig:
    """Where the utterances come from: a named corpus (or several, joined by '+') or the synthetic one."""

    name: str = "synthetic"
    root: str = ""  # for several corpora: roots joined by '+', in the same order
    speakers: int = 12  # synthetic only
    utterances: int = 24  # synthetic only
    seed: int = 0  # synthetic only
    imbalanced: bool = False  # synthetic only: 2 to 80 utterances per speaker, skewed emotions


@dataclass(frozen=True)
class FeatureConfig:
    set: str = "compare2016"
    workers: int = 0  # 0: all cores


@dataclass(frozen=True)
class EvaluationConfig:
    methods: tuple[str, ...] = ("raw", "pca")
    target: str = "valence"
    repeats: int = 5
    attackers: tuple[str, ...] = ("logreg", "svm", "mlp", "knn", "gboost")
    metrics: tuple[str, ...] = ("emotion", "leakage", "linkability", "membership")
    emotion_folds: int = 0  # 0: leave one speaker out
    privacy_folds: int = 5
    bootstrap: int = 1000
    seed: int = 0
    workers: int = 0  # 0: all cores
    enrolment: str = "10"  # utterances per speaker enrolment, or "all" (the first protocol)
    enrolment_from: str = "random"  # random, neutral or one-valence


@dataclass(frozen=True)
class SweepConfig:
    """Optional: vary one method parameter (e.g. ``latent``) over values; empty = no sweep.

    ``method`` may fix other parameters: ``adversarial(front_end=speaker)``.

    The swept variants are evaluated after ``evaluation.methods`` (the baselines), in one run.
    """

    parameter: str = ""
    values: tuple[float, ...] = ()
    method: str = "adversarial"

    def specs(self) -> tuple[str, ...]:
        """One method spec per value: ``adversarial(latent=64)``; none when no parameter is set."""
        if not self.parameter:
            return ()
        if not self.values:
            raise ConfigError(f"sweep over {self.parameter!r} has no values")
        method = self.method.strip()
        if method.endswith(")"):  # fixed parameters: adversarial(front_end=speaker) -> adversarial(front_end=speaker,kl_weight=0.1)
            return tuple(f"{method[:-1]},{self.parameter}={v:g})" for v in self.values)
        return tuple(f"{method}({self.parameter}={v:g})" for v in self.values)


@dataclass(frozen=True)
class Recipe:
    name: str = "experiment"
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    features: FeatureConfig = field(default_factory=FeatureConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    sweep: SweepConfig = field(default_factory=SweepConfig)
    output: str = "runs/experiment"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_recipe(path: str | Path, overrides: Sequence[str] = ()) -> Recipe:
    """Read a YAML recipe and apply ``key.sub=value`` overrides; ConfigError names the bad key."""
    path = Path(path)
    raw = read_yaml_mapping(path, "recipe")
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"override {item!r}: expected key=value")
        _set_dotted(raw, key.strip(), yaml.safe_load(value))
    return _build(Recipe, raw, str(path))


def split_top_level(text: str, separator: str = ",") -> list[str]:
    """Split on ``separator`` outside brackets: ``"raw,ae(hidden=[64,32],alpha=1)"`` gives two items."""
    items, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if char == separator and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [item.strip() for item in items if item.strip()]


def read_yaml_mapping(path: Path, what: str, error: type[EmoshieldError] = ConfigError) -> dict[str, Any]:
    """The YAML mapping in ``path``; ``error`` names the file when it is missing, invalid or not a mapping."""
    if not path.is_file():
        raise error(f"{path}: no such {what}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise error(f"{path}: a {what} is a mapping of settings")
    return raw


def _set_dotted(tree: dict, key: str, value: Any) -> None:
    *parents, leaf = key.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
        if not isinstance(tree, dict):
            raise ConfigError(f"override {key!r}: {part} is not a section")
    tree[leaf] = value


def _build(cls: type, values: dict, where: str):
    """Instantiate a frozen dataclass from a mapping, checking names and types."""
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; known: {sorted(known)}")
    kwargs = {}
    default = cls()
    for name, value in values.items():
        current = getattr(default, name)
        if hasattr(current, "__dataclass_fields__"):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: {name} must be a section")
            kwargs[name] = _build(type(current), value, f"{where}: {name}")
        else:
            kwargs[name] = _coerce(value, current, f"{where}: {name}")
    return replace(default, **kwargs)


def _coerce(value: Any, like: Any, where: str) -> Any:
    """Convert ``value`` to the type of the default ``like``."""
    if isinstance(like, tuple):
        items = split_top_level(value) if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        element = type(like[0]) if like else (float if "values" in where else str)
        return tuple(_coerce(v.strip() if isinstance(v, str) else v, element(), where) for v in items)
    if isinstance(like, bool) or like is None:
        return value
    try:
        return type(like)(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: expected {type(like).__name__}, got {value!r}") from None
