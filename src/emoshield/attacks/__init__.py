"""Seed 002's gender-inference attack study on intermediate representations of emotion models.

``models``: the CNN families (on log-mel crops) and the LSTM (on IS09 LLD crops),
built from named blocks so that any layer can be read out or spliced into.
"""

from emoshield.attacks.models import FAMILIES, SHARED_LAYERS, LayeredNet, build_network, layer_shapes

__all__ = ["FAMILIES", "SHARED_LAYERS", "LayeredNet", "build_network", "layer_shapes"]
