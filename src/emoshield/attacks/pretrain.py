"""The stand-in for seed 002's ImageNet initialisation: every architecture pretrained on public (synthetic) speech.

In seed 002, T and the CNN attackers all start from ImageNet weights, so even an
attacker trained on other data shares T's early filters; nothing can be
downloaded here. With ``initialisation: shared`` every network of an
architecture starts from the same blocks, trained on the synthetic corpus for
emotion and gender (multi-task; the heads are dropped), so the study can show how
much of the worst case is that sharing (``independent`` beside it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from emoshield.attacks.data import StudyCorpus
from emoshield.attacks.models import build_network
from emoshield.attacks.train import FitSettings, fit, heads_of


def pretrained_blocks(
    archs: list[str], corpus: StudyCorpus, settings: FitSettings, folder: Path, seed: int = 0,
    advance: Callable[[], None] = lambda: None, features: str = "logmel",
) -> dict[str, dict[str, torch.Tensor]]:
    """Each architecture's pretrained block weights (reading ``features``), read from ``folder/<arch>-<features>.pt``
    or trained and written there."""
    folder.mkdir(parents=True, exist_ok=True)
    targets = {"emotion": corpus.codes("emotion"), "gender": corpus.codes("gender")}
    heads = heads_of(targets)
    out = {}
    for arch in dict.fromkeys(archs):
        path = folder / f"{arch}-{features}.pt"
        if not path.exists():
            network = fit(build_network(arch, heads, seed=seed, features=features), corpus.inputs(arch, features), targets,
                          settings, seed).network
            partial = path.with_name(path.name + ".partial")
            torch.save(network.blocks.state_dict(), partial)
            partial.replace(path)
        out[arch] = torch.load(path, weights_only=True)
        advance()
    return out
