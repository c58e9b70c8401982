"""The ServerApp for Flower's Deployment Engine (``flwr run`` against a SuperLink).

The same strategy, client round and held-out evaluation as the simulation; the
run is described by the app's run config (``[tool.flwr.app.config]``):
``data-path`` (prepared client data, ``Samples.save``), ``clients`` and
``held-out`` (comma-separated speakers), ``model``, ``rounds``, ``hidden``,
``epochs``, ``lr``, ``batch-size``, ``out`` (a JSON file for the round log);
``strategy``, ``clients-per-round``, ``dp-mode``, ``dp-noise``, ``dp-clip``,
``dp-max-epsilon``, ``secagg`` as in ``emoshield fl run`` (SecAgg+ needs the
``emoshield.fl.secagg:client_app`` ClientApp, central DP ``client_app:dp_app``). With ``node-data = true`` each
SuperNode is started with ``--node-config "speaker='emodb:03' data-path='...'"``
(its own data, on the device) and the server sends clients neither the roster
nor a data path; otherwise with ``--node-config "partition-id=I"`` (its speaker
in ``clients``, the data at the server's ``data-path``: a loopback convenience).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from flwr.app import Context
from flwr.serverapp import Grid, ServerApp

from emoshield.fl.data import Samples
from emoshield.fl.plan import FederatedOutcome, FederatedPlan, check_budget
from emoshield.fl.secagg import run_secagg
from emoshield.fl.server_app import run_plan
from emoshield.fl.settings import settings_from

server_app = ServerApp()


@server_app.main()
def main(grid: Grid, context: Context) -> None:
    config = context.run_config
    data = Samples.load(str(config["data-path"]))
    dp = {"mode": str(config.get("dp-mode", "none")), "noise": float(config.get("dp-noise", 1.0)),
          "clip": float(config.get("dp-clip", 1.0))}
    if "dp-max-epsilon" in config:
        dp["max_epsilon"] = float(config["dp-max-epsilon"])
    settings = settings_from({
        "model": config.get("model", "dnn"), "rounds": int(config.get("rounds", 3)),
        "hidden": int(config.get("hidden", 128)), "round_timeout": float(config.get("round-timeout", 120.0)),
        "strategy": str(config.get("strategy", "fedavg")), "clients_per_round": int(config.get("clients-per-round", 0)),
        "local": {"epochs": int(config.get("epochs", 2)), "lr": float(config.get("lr", 0.05)),
                  "batch_size": int(config.get("batch-size", 16))},
        "dp": dp, "secagg": bool(config.get("secagg", False)),
    }, "run config")
    clients = str(config["clients"]).split(",")
    plan = FederatedPlan(settings, str(config["data-path"]), clients,
                         data.of_speakers(str(config["held-out"]).split(",")), data.n_features, len(data.classes),
                         clients_hold_data=bool(config.get("node-data", False)))
    check_budget(plan)
    outcome = FederatedOutcome()
    if settings.secagg:

        run_secagg(grid, context, plan, outcome)
    else:
        run_plan(grid, plan, outcome)
    out = Path(str(config.get("out", "deployment-rounds.json")))
    out.write_text(json.dumps({"rounds": [asdict(r) for r in outcome.rounds], "epsilon_release": outcome.epsilon,
                               "epsilon_server": outcome.epsilon_server,
                               "uar_per_round": {str(k): v for k, v in outcome.curve.items()}}, indent=2))
