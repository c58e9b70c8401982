import pytest

from emoshield.fl.errors import FederatedError
from emoshield.fl.settings import DpMode, ModelKind, StrategyKind, load_settings, settings_from


def test_recipe_is_read_with_nested_settings(tmp_path):
    recipe = tmp_path / "fl_x.yaml"
    recipe.write_text("name: x\nmodel: lstm\nstrategy: fedprox\nrounds: 3\nlocal: {epochs: 1, lr: 0.1}\ndp: {mode: central, noise: 2.0}\n")
    settings = load_settings(recipe, rounds=5)
    assert settings.model is ModelKind.LSTM and settings.strategy is StrategyKind.FEDPROX
    assert settings.rounds == 5 and settings.local.epochs == 1
    assert settings.local.proximal_mu > 0  # FedProx gets a default mu
    assert settings.dp.mode is DpMode.CENTRAL and settings.dp.noise == 2.0


@pytest.mark.parametrize(
    "data, message",
    [
        ({"model": "transformer"}, "model: unknown choice 'transformer'; choose one of: dnn, linear, cnn, lstm"),
        ({"strategy": "fedsgd"}, "strategy: unknown choice 'fedsgd'"),
        ({"dp": {"mode": "local"}}, "dp.mode: unknown choice 'local'"),
        ({"rounds": 0}, "rounds: need at least 1"),
        ({"colour": "red"}, r"unknown key\(s\) \['colour'\]"),
        ({"local": {"epoch": 2}}, r"local: unknown key\(s\) \['epoch'\]"),
        ({"secagg": True, "dp": {"mode": "central"}}, "secagg: combine it with dp.mode none or distributed"),
        ({"secagg": True, "strategy": "fedavgm"}, "secagg: combine it with .* FedAvg"),
        ({"strategy": "fedavgm", "server_momentum": 1.0}, "server_momentum: need 0 <= momentum < 1"),
    ],
)
def test_bad_settings_name_what_is_wrong(data, message):
    with pytest.raises(FederatedError, match=message):
        settings_from(data)


def test_missing_recipe_is_named(tmp_path):
    with pytest.raises(FederatedError, match="no such FL recipe"):
        load_settings(tmp_path / "nope.yaml")


def test_repo_recipes_load():
    from pathlib import Path

    recipes = sorted(Path(__file__).parents[2].joinpath("configs").glob("fl_*.yaml"))
    assert recipes, "configs/fl_*.yaml recipes exist"
    for recipe in recipes:
        load_settings(recipe)


def test_command_line_rejects_an_unknown_model_before_reading_data(tmp_path):
    from typer.testing import CliRunner

    from emoshield.commands import app

    result = CliRunner().invoke(app, ["fl", "run", str(tmp_path / "x.parquet"), str(tmp_path / "m.csv"),
                                      "--model", "transformer", "-o", str(tmp_path / "out")])
    assert result.exit_code != 0 and isinstance(result.exception, FederatedError)
    assert "model: unknown choice 'transformer'" in str(result.exception)
    assert not (tmp_path / "out").exists()
