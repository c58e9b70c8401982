from emoshield.evaluation.projection import project_methods
from tests.evaluation.test_protocol import _data


def test_projection_plot_has_a_column_per_method(tmp_path):
    X, manifest = _data(2.0, 1.0, n_speakers=10)
    path = project_methods(X, manifest, ["raw", "pca"], tmp_path / "p.png")
    assert path.stat().st_size > 5000
