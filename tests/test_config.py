import pytest

from emoshield.errors import ConfigError
from emoshield.experiment import load_recipe


def _write(tmp_path, text):
    path = tmp_path / "r.yaml"
    path.write_text(text)
    return path


def test_recipe_sections_and_overrides(tmp_path):
    path = _write(tmp_path, "name: t\ncorpus: {name: emodb, root: /x}\nevaluation: {methods: [raw, pca], repeats: 5}\n")
    recipe = load_recipe(path, ["evaluation.repeats=2", "evaluation.methods=raw,leace", "corpus.name=synthetic"])
    assert recipe.evaluation.repeats == 2
    assert recipe.evaluation.methods == ("raw", "leace")
    assert recipe.corpus.name == "synthetic" and recipe.corpus.root == "/x"
    assert recipe.features.set == "compare2016"


def test_sweep_values_are_numbers(tmp_path):
    recipe = load_recipe(_write(tmp_path, "sweep: {parameter: latent, values: [32, 64]}\n"))
    assert recipe.sweep.values == (32.0, 64.0)


@pytest.mark.parametrize(
    "text, override, message",
    [
        ("evaluation: {repats: 2}\n", None, "unknown key"),
        ("evaluation: {repeats: many}\n", None, "expected int"),
        ("corpus: emodb\n", None, "must be a section"),
        ("name: t\n", "evaluation.repeats", "expected key=value"),
        ("[1, 2]\n", None, "mapping"),
    ],
)
def test_bad_recipes_name_the_problem(tmp_path, text, override, message):
    with pytest.raises(ConfigError, match=message):
        load_recipe(_write(tmp_path, text), [override] if override else [])


def test_method_specs_keep_their_commas_in_overrides(tmp_path):
    recipe = load_recipe(_write(tmp_path, "name: t\n"), ["evaluation.methods=raw,adversarial(latent=8,alpha=2)"])
    assert recipe.evaluation.methods == ("raw", "adversarial(latent=8,alpha=2)")
