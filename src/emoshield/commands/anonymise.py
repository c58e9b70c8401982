"""``emoshield anonymise``: the audio of a manifest through an anonymiser (VoicePrivacy's McAdams baseline)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from emoshield.commands.common import ManifestArgument
from emoshield.errors import ConfigError


def anonymise(
    manifest: ManifestArgument,
    method: Annotated[str, typer.Option(
        help="mcadams(alpha=0.8): one McAdams coefficient; mcadams(alpha=random): one drawn from [0.5, 0.9] per "
             "utterance (add seed=N for another draw).")] = "mcadams(alpha=0.8)",
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for audio/, manifest.csv and failures.")] = Path(
        "anonymised"),
    workers: Annotated[Optional[int], typer.Option(help="Parallel processes (default: all cores).")] = None,
) -> None:
    """Anonymise every file of a manifest: 16 kHz WAVs you can listen to, and a manifest pointing at them.

    A rerun into the same folder anonymises only what is missing; files that fail are listed with the reason.

    Example: emoshield anonymise emodb.csv --method "mcadams(alpha=0.8)" -o runs/emodb-mcadams
    """
    # numpy, pandas, scipy: load when the command runs
    from emoshield.anonymise.spec import parse_anonymiser
    from emoshield.backends import Compute
    from emoshield.manifest import read_manifest
    from emoshield.pipeline import anonymise_to_folder

    try:
        anonymiser = parse_anonymiser(method)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="--method") from None
    anonymise_to_folder(read_manifest(manifest), anonymiser, output, Compute(workers=workers))
