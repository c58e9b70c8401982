"""The shared-initialisation stand-in: pretrained blocks, written once and shared by every network of an architecture."""

import numpy as np
import torch

from emoshield.attacks.data import StudyCorpus
from emoshield.attacks.models import INPUTS, build_network
from emoshield.attacks.pretrain import pretrained_blocks
from emoshield.attacks.train import FitSettings


def public_corpus(n: int = 16) -> StudyCorpus:
    rng = np.random.default_rng(0)
    return StudyCorpus("public", rng.normal(size=(n, *INPUTS["vgg"])).astype(np.float32),
                       rng.normal(size=(n, *INPUTS["lstm"])).astype(np.float32),
                       np.repeat(["a", "b", "c", "d"], n // 4), np.tile(["female", "male"], n // 2),
                       np.tile(["angry", "angry", "sad", "sad"], n // 4))


def test_networks_of_an_architecture_share_the_pretrained_blocks(tmp_path):
    initial = pretrained_blocks(["resnet", "lstm", "resnet"], public_corpus(), FitSettings(epochs=1), tmp_path)
    assert sorted(initial) == ["lstm", "resnet"] and sorted(p.name for p in tmp_path.iterdir()) == ["lstm-logmel.pt", "resnet-logmel.pt"]
    target, attacker = build_network("resnet", {"emotion": 8}, initial), build_network("resnet", {"gender": 2}, initial)
    assert all(torch.equal(a, b) for a, b in zip(target.blocks.state_dict().values(), attacker.blocks.state_dict().values()))
    independent = build_network("resnet", {"gender": 2})
    assert not torch.equal(independent.blocks["stem"][0].weight, target.blocks["stem"][0].weight)
    written = (tmp_path / "resnet-logmel.pt").stat().st_mtime_ns
    again = pretrained_blocks(["resnet"], public_corpus(), FitSettings(epochs=1), tmp_path)  # read, not trained again
    assert (tmp_path / "resnet-logmel.pt").stat().st_mtime_ns == written
    assert all(torch.equal(again["resnet"][k], initial["resnet"][k]) for k in initial["resnet"])
