"""The network: sizes, the seed's configuration, which heads are reversed."""

import pytest
import torch
from torch import nn

from emoshield.errors import ConfigError
from emoshield.privacy import AdversarialAutoencoder, EncoderConfig

from .conftest import TINY


def test_shapes_of_code_reconstruction_and_heads():
    model = AdversarialAutoencoder(30, {"speaker": 5, "gender": 2, "emotion": 3}, TINY)
    z, reconstruction, logits = model(torch.randn(11, 30))
    assert z.shape == (11, TINY.latent) and reconstruction.shape == (11, 30)
    assert {k: v.shape for k, v in logits.items()} == {"speaker": (11, 5), "gender": (11, 2), "emotion": (11, 3)}


def test_default_configuration_is_small():
    config = EncoderConfig()
    assert (config.hidden, config.latent) == ((128,), 32)


def test_seed000_configuration_is_the_papers():
    config = EncoderConfig.ali()
    assert (config.hidden, config.latent, config.head_hidden) == ((2000, 1000), 512, (400, 400))
    assert config.dropout == config.head_dropout == 0.5
    model = AdversarialAutoencoder(6373, {"gender": 2}, config)
    widths = [m.out_features for m in model.encoder if isinstance(m, nn.Linear)]
    assert widths == [2000, 1000, 512]
    assert [m.out_features for m in model.decoder if isinstance(m, nn.Linear)] == [1000, 2000, 6373]
    assert [m.out_features for m in model.heads["gender"] if isinstance(m, nn.Linear)] == [400, 400, 2]
    assert sum(isinstance(m, nn.Dropout) for m in model.encoder) == 2
    assert all(m.p == 0.5 for m in model.modules() if isinstance(m, nn.Dropout))
    assert any(isinstance(m, nn.LeakyReLU) for m in model.encoder)


def _encoder_gradient(model, head, lambda_):
    model.reversal.lambda_ = lambda_
    model.zero_grad()
    _, _, logits = model(torch.randn(8, 30))
    nn.functional.cross_entropy(logits[head], torch.zeros(8, dtype=torch.long)).backward()
    return model.encoder[0].weight.grad.clone()


def test_adversary_heads_are_reversed_and_the_emotion_head_is_not():
    config = EncoderConfig(hidden=(16,), latent=4, dropout=0, head_dropout=0)
    model = AdversarialAutoencoder(30, {"gender": 2, "emotion": 2}, config)
    torch.manual_seed(0)
    assert torch.count_nonzero(_encoder_gradient(model, "gender", 0.0)) == 0
    assert torch.count_nonzero(_encoder_gradient(model, "emotion", 0.0)) > 0
    torch.manual_seed(1)
    forward = _encoder_gradient(model, "gender", 1.0)
    torch.manual_seed(1)
    assert torch.allclose(_encoder_gradient(model, "gender", -1.0), -forward)


@pytest.mark.parametrize("bad", [dict(latent=0), dict(hidden=(0,)), dict(dropout=1.0), dict(head_dropout=-0.1)])
def test_invalid_configuration_is_refused(bad):
    with pytest.raises(ConfigError):
        EncoderConfig(**bad)


def test_unknown_head_is_refused():
    with pytest.raises(ConfigError, match="accent"):
        AdversarialAutoencoder(10, {"accent": 3}, TINY)
