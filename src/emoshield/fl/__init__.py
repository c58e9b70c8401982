"""Federated learning on Flower: speakers are clients, no audio leaves the device.

Training code (``models``, ``local``, ``data``, ``partition``, ``aggregate``, ``dp``)
never imports Flower; ``client_app``, ``server_app`` and ``simulation`` are thin
adapters over it. ``emoshield fl run`` drives the whole protocol (docs/fl.md).
"""

from emoshield.fl.errors import FederatedError
from emoshield.fl.settings import DpMode, FlSettings, ModelKind, StrategyKind, load_settings

__all__ = ["DpMode", "FederatedError", "FlSettings", "ModelKind", "StrategyKind", "load_settings"]
