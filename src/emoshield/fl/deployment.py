"""The ServerApp for Flower's Deployment Engine (``flwr run`` against a SuperLink).

The same strategy, client round and held-out evaluation as the simulation; the
run is described by the app's run config (``[tool.flwr.app.config]``):
``data-path`` (prepared client data, ``Samples.save``), ``clients`` and
``held-out`` (comma-separated speakers), ``model``, ``rounds``, ``hidden``,
``epochs``, ``lr``, ``batch-size``, ``out`` (a JSON file for the round log).
Each SuperNode is started with ``--node-config "partition-id=I"`` (its speaker in
``clients``) or ``"speaker='emodb:03' data-path='...'"`` on a real device.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from flwr.app import Context
from flwr.serverapp import Grid, ServerApp

from emoshield.fl.data import Samples
from emoshield.fl.server_app import FederatedOutcome, FederatedPlan, run_plan
from emoshield.fl.settings import settings_from

server_app = ServerApp()


@server_app.main()
def main(grid: Grid, context: Context) -> None:
    config = context.run_config
    data = Samples.load(str(config["data-path"]))
    settings = settings_from({
        "model": config.get("model", "dnn"), "rounds": int(config.get("rounds", 3)),
        "hidden": int(config.get("hidden", 128)), "round_timeout": float(config.get("round-timeout", 120.0)),
        "local": {"epochs": int(config.get("epochs", 2)), "lr": float(config.get("lr", 0.05)),
                  "batch_size": int(config.get("batch-size", 16))},
    }, "run config")
    clients = str(config["clients"]).split(",")
    plan = FederatedPlan(settings, str(config["data-path"]), clients,
                         data.of_speakers(str(config["held-out"]).split(",")), data.n_features, len(data.classes))
    outcome = FederatedOutcome()
    run_plan(grid, plan, outcome)
    out = Path(str(config.get("out", "deployment-rounds.json")))
    out.write_text(json.dumps({"rounds": [asdict(r) for r in outcome.rounds],
                               "uar_per_round": {str(k): v for k, v in outcome.curve.items()}}, indent=2))
