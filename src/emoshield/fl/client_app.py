"""The Flower ClientApp: a thin adapter from messages to ``fl.local`` training.

A client is one speaker. In simulation, node ``partition-id`` i trains the i-th
speaker of the ``clients`` list the server sends; on the Deployment Engine a
SuperNode may instead be given ``--node-config "data-path='...' speaker='...'"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np
import torch
from flwr.app import ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.clientapp.mod import fixedclipping_mod

from emoshield.fl.aggregate import difference
from emoshield.fl.data import Samples
from emoshield.fl.dp import noise_share, private_rng
from emoshield.fl.errors import FederatedError
from emoshield.fl.local import lean_torch, predict, train_local
from emoshield.fl.models import build_model
from emoshield.fl.settings import LocalConfig


@lru_cache(maxsize=2)
def _samples(path: str) -> Samples:
    return Samples.load(path)


def _client_data(config: Mapping[str, Any], node: Mapping[str, Any]) -> tuple[int, str, Samples]:
    partition = int(node.get("partition-id", -1))
    speaker = str(node.get("speaker", ""))
    if not speaker:
        if "clients" not in config:
            raise FederatedError("this node has no speaker in its node config and the server sent no roster: "
                                 "start the SuperNode with --node-config \"speaker='...' data-path='...'\"")
        clients = config["clients"]
        clients = clients.split("\n") if isinstance(clients, str) else list(clients)
        if not 0 <= partition < len(clients):
            raise FederatedError(f"node partition {partition} has no client among {len(clients)} speakers")
        speaker = str(clients[partition])
    path = node.get("data-path", config.get("data-path"))
    if path is None:
        raise FederatedError(f"client {speaker!r}: no data-path in its node config or the server's config")
    data = _samples(str(path)).of_speakers([speaker])
    if len(data) == 0:
        raise FederatedError(f"client {speaker!r} (partition {partition}) has no data")
    return partition, speaker, data


def _model(state: Mapping[str, torch.Tensor], config: Mapping[str, Any], data: Samples) -> torch.nn.Module:
    model = build_model(str(config["model"]), data.n_features, len(data.classes), int(config["hidden"]))
    model.load_state_dict(state)
    return model


def fit(state: Mapping[str, torch.Tensor], config: Mapping[str, Any], node: Mapping[str, Any]) -> tuple[dict, int, float, int]:
    """One client round: local SGD from the global ``state``; returns (state, weight, loss, partition).

    Shared by the Message-API ClientApp and the SecAgg+ client (``fl.secagg``).
    """
    round_ = int(config["server-round"])
    partition, speaker, data = _client_data(config, node)
    if partition == int(config.get("fail-client", -1)) and round_ == int(config.get("fail-round", 0)):
        raise RuntimeError(f"injected failure of client {speaker!r} in round {round_}")
    local = LocalConfig(
        epochs=int(config["epochs"]), lr=float(config["lr"]), momentum=float(config["momentum"]),
        batch_size=int(config["batch-size"]), proximal_mu=float(config.get("proximal-mu", 0.0)),
    )
    seed = int(config["seed"]) * 100_003 + round_ * 1009 + partition
    with lean_torch(seed):
        model = _model(state, config, data)
        before = [v.numpy().copy() for v in model.state_dict().values()]
        loss = train_local(model, data, local, seed)
    trained = model.state_dict()
    if float(config.get("dp-share", 0.0)) > 0:  # distributed DP: clip and add this client's noise share
        update = difference([v.numpy() for v in trained.values()], before)
        noisy = noise_share(update, float(config["dp-share"]), float(config["dp-clip"]),
                            int(config["dp-sampled"]), private_rng())
        trained = {k: torch.from_numpy(b + u) for k, b, u in zip(trained, before, noisy)}
    weight = 1 if bool(config.get("uniform", False)) else len(data)
    return dict(trained), weight, float(loss), partition


def reported_loss(loss: float, config: Mapping[str, Any]) -> dict[str, float]:
    """The training loss for the server, unless DP is on: it would leave the client outside ε."""
    return {} if str(config.get("dp-mode", "none")) != "none" else {"train-loss": loss}


def _train(message: Message, context: Context) -> Message:
    config = message.content["config"]
    state, weight, loss, partition = fit(message.content["arrays"].to_torch_state_dict(), config, context.node_config)
    metrics = MetricRecord({"num-examples": weight, "partition-id": partition, **reported_loss(loss, config)})
    return Message(RecordDict({"arrays": ArrayRecord(state), "metrics": metrics}), reply_to=message)


def _evaluate(message: Message, context: Context) -> Message:
    config = message.content["config"]
    _, _, data = _client_data(config, context.node_config)
    with lean_torch(0):
        model = _model(message.content["arrays"].to_torch_state_dict(), config, data)
        accuracy = float(np.mean(predict(model, data) == data.y))
    metrics = MetricRecord({"accuracy": accuracy, "num-examples": len(data)})
    return Message(RecordDict({"metrics": metrics}), reply_to=message)


def make_client_app(clipping: bool = False) -> ClientApp:
    """A ClientApp; ``clipping`` adds Flower's fixedclipping_mod (for central DP)."""
    app = ClientApp()
    app.train(mods=[fixedclipping_mod] if clipping else None)(_train)
    app.evaluate()(_evaluate)
    return app


#: For ``flwr run`` / SuperNodes: plain FedAvg/FedProx, and central DP with client-side clipping.
app = make_client_app()
dp_app = make_client_app(clipping=True)
