"""``emoshield corpus``: corpora on disk into manifests, and the synthetic corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from emoshield.commands.common import print_summary
from emoshield.progress import console

corpus_app = typer.Typer(help="Turn corpora on disk into manifests.", no_args_is_help=True)


@corpus_app.command("manifest")
def manifest(
    name: Annotated[str, typer.Argument(help="emodb, ravdess, cremad, emovo, iemocap, tess, savee, or csv.")],
    root: Annotated[Path, typer.Argument(help="The corpus folder (for csv: the table).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Manifest to write (.csv or .parquet).")] = Path(
        "manifest.csv"
    ),
) -> None:
    """Parse a corpus in its original layout into a manifest.

    Example: emoshield corpus manifest emodb ../shared/corpora/emodb -o emodb.csv
    """
    # pandas: loads when the command runs
    from emoshield.corpora import load_corpus
    from emoshield.manifest import summarise, write_manifest

    result = load_corpus(name, root)
    write_manifest(result.manifest, output)
    print_summary(summarise(result.manifest), f"{len(result.manifest)} utterances")
    for rejected in result.rejected[:20]:
        console.print(f"[yellow]rejected[/yellow] {rejected.path}: {rejected.reason}")
    if len(result.rejected) > 20:
        console.print(f"[yellow]... and {len(result.rejected) - 20} more rejected[/yellow]")
    console.print(f"wrote {len(result.manifest)} rows to {output} ({len(result.rejected)} files rejected)")


@corpus_app.command("detect")
def detect(root: Annotated[Path, typer.Argument(help="A folder holding a corpus.")]) -> None:
    """Guess which corpus a folder holds.

    Example: emoshield corpus detect ../shared/corpora/ravdess
    """
    # pandas: loads when the command runs
    from emoshield.corpora import detect_corpus

    found = detect_corpus(root)
    if found is None:
        console.print(f"{root}: no known corpus layout recognised")
        raise typer.Exit(1)
    typer.echo(found.value)


@corpus_app.command("synthetic")
def synthetic(
    out_dir: Annotated[Path, typer.Argument(help="Folder for wav/ and manifest.csv.")],
    speakers: Annotated[int, typer.Option(help="Number of speakers (split by gender and language).")] = 12,
    utterances: Annotated[int, typer.Option(help="Utterances per speaker.")] = 24,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same corpus.")] = 0,
    imbalanced: Annotated[
        bool, typer.Option(help="Speakers with 2 to 80 utterances (scaled by --utterances) in a skewed mix of emotions.")
    ] = False,
    skew: Annotated[float, typer.Option(
        help="Each speaker's share of utterances in its own dominant valence (0.5 to 1; 0: balanced).")] = 0.0,
) -> None:
    """Generate the embedded synthetic corpus (speech-like audio with speakers, genders, languages, emotions).

    Example: emoshield corpus synthetic synth/ --speakers 12 --utterances 24   (--skew 0.9: speakers of mostly one valence)
    """
    # pandas: loads when the command runs
    from emoshield.manifest import summarise
    from emoshield.pipeline import synthesise
    from emoshield.synthetic import SyntheticSpec

    spec = SyntheticSpec(n_speakers=speakers, utterances_per_speaker=utterances, seed=seed, imbalanced=imbalanced,
                         skew=skew)
    manifest = synthesise(out_dir, spec)
    print_summary(summarise(manifest), f"{len(manifest)} utterances")
    console.print(f"wrote {len(manifest)} files and {out_dir / 'manifest.csv'}")
