"""What one fit of the attack study's CNNs costs, in PyTorch's default layout and in the one the study uses.

Usage:
    python benchmarks/attack_fit.py [--utterances 512] [--epochs 2] [--repeats 2]

Each family (T's and the attackers') is fitted as the study fits it (``emoshield.attacks.train.fit``:
Adam, batches of 32, one thread, an emotion and a gender head) on log-mel-shaped crops drawn from a
normal distribution: the work a fit does depends on the shapes only (no early stopping), so the data
need not be speech. Each case runs ``--repeats`` times, alternating with the other layout, and the
fastest run is kept; the ratio is what to read on a noisy machine.

  default   contiguous (NCHW) tensors, ReLU writing a new tensor (as the study ran before)
  study     channels-last tensors and in-place ReLU (emoshield.attacks.models.MEMORY_FORMAT)
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch
from torch import nn

from emoshield import __version__
from emoshield.attacks import models
from emoshield.attacks.models import SPECTROGRAM, build_network
from emoshield.attacks.train import FitSettings, fit

FAMILIES = ("vgg", "vgg_deep", "resnet", "densenet")
LAYOUTS = {"default": (torch.contiguous_format, False), "study": (torch.channels_last, True)}


def seconds_per_fit(family: str, layout: str, X: np.ndarray, targets: dict[str, np.ndarray], epochs: int) -> float:
    """Wall seconds of one fit of ``family`` in ``layout``."""
    memory_format, inplace = LAYOUTS[layout]
    models.MEMORY_FORMAT = memory_format
    network = build_network(family, {"emotion": 8, "gender": 2})
    for module in network.modules():
        if isinstance(module, nn.ReLU):
            module.inplace = inplace
    started = time.perf_counter()
    fit(network, X, targets, FitSettings(epochs=epochs))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--utterances", type=int, default=512)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.utterances, *SPECTROGRAM)).astype(np.float32)
    targets = {"emotion": rng.integers(0, 8, args.utterances), "gender": rng.integers(0, 2, args.utterances)}
    print(f"emoshield {__version__}, {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"1 thread; a fit: {args.utterances} crops of {SPECTROGRAM}, {args.epochs} epoch(s), best of {args.repeats}\n")
    print("| family | default (s) | study (s) | speed-up |")
    print("|---|---|---|---|")
    for family in FAMILIES:
        best = {layout: float("inf") for layout in LAYOUTS}
        for _ in range(args.repeats):
            for layout in LAYOUTS:
                best[layout] = min(best[layout], seconds_per_fit(family, layout, X, targets, args.epochs))
        print(f"| {family} | {best['default']:.1f} | {best['study']:.1f} | {best['default'] / best['study']:.2f}x |")


if __name__ == "__main__":
    main()
