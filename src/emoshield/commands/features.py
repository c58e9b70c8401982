"""``emoshield features``: acoustic features of every file of a manifest, and projections of them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Optional

import typer

from emoshield.commands.common import AddressOption, BackendOption, choice_of, compute_of
from emoshield.progress import console

features_app = typer.Typer(help="Extract acoustic features.", no_args_is_help=True)

#: The feature sets, named here so that --help needs no extractor.
FEATURE_SETS = ("compare2016", "egemaps", "is09", "mfcc", "logmel")


@features_app.command("extract")
def extract(
    manifest: Annotated[Path, typer.Argument(help="Manifest (.csv or .parquet).")],
    feature_set: Annotated[str, typer.Option("--set", help=", ".join(FEATURE_SETS[:-1]) + " or " + FEATURE_SETS[-1] + ".")] = "compare2016",
    output: Annotated[Path, typer.Option("-o", "--output", help="Feature file to write (.parquet).")] = Path(
        "features.parquet"
    ),
    workers: Annotated[Optional[int], typer.Option(help="Parallel workers, threads or processes by feature set (default: all cores).")] = None,
    cache_dir: Annotated[Optional[Path], typer.Option(help="Feature cache (default: $EMOSHIELD_CACHE or ~/.cache/emoshield/features).")] = None,
    backend: BackendOption = "local",
    address: AddressOption = None,
) -> None:
    """Extract features for every file of a manifest, in parallel, cached, listing failures.

    Example: emoshield features extract emodb.csv --set compare2016 -o emodb.parquet
    On a Ray cluster (docs/scale.md): ... --backend ray --address HEAD:6379 --cache-dir /shared/cache
    """
    # numpy, pandas: load when the command runs
    from emoshield.features import FeatureSet
    from emoshield.manifest import read_manifest
    from emoshield.pipeline import extract_to_file

    chosen = choice_of(FeatureSet, feature_set, "--set")
    compute = compute_of(backend, workers, address)  # a bad --backend is refused before any file is read
    extract_to_file(read_manifest(manifest), chosen, output, cache_dir, compute)


@features_app.command("public-pca")
def public_pca(
    features: Annotated[Path, typer.Argument(help="Functionals (.parquet) to project.")],
    public: Annotated[Path, typer.Option(help="Functionals of public speakers (another corpus), same --set.")],
    components: Annotated[int, typer.Option(help="Principal axes to keep.")] = 16,
    output: Annotated[Path, typer.Option("-o", "--output", help="Projected features (.parquet).")] = Path("projected.parquet"),
) -> None:
    """Project functionals on principal axes learnt from a public corpus (a small input for DP training).

    Example: emoshield features public-pca ravdess-egemaps.parquet --public emodb-egemaps.parquet --components 16 -o ravdess-pca16.parquet
    """

    # pandas: loads when the command runs
    from emoshield.features import read_features, write_features
    from emoshield.features.public_projection import project_on_public
    from emoshield.features.store import failures_path

    projected = project_on_public(read_features(features), read_features(public), components)
    write_features(projected, output)
    if failures_path(features).is_file():  # the same files failed: keep their list beside the output
        shutil.copyfile(failures_path(features), failures_path(output))
    else:
        failures_path(output).unlink(missing_ok=True)
    console.print(f"wrote {output}: {len(projected)} rows x {components} components ({projected.attrs['feature_set']})")
