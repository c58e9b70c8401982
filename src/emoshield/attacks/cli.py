"""``emoshield attack``: the gender-inference attack study of seed 002 (torch loads when a command runs)."""

from __future__ import annotations

from typing import Annotated

import typer

attack_app = typer.Typer(help="Seed 002's gender-inference attack study on intermediate layers.", no_args_is_help=True)


@attack_app.command("layers")
def layers(
    arch: Annotated[str, typer.Option(help="Architecture: vgg, vgg_deep, resnet, densenet or lstm.")] = "vgg",
) -> None:
    """The readout points of an architecture, input side first, with the shape of each output.

    Example: emoshield attack layers --arch resnet
    """
    from emoshield.attacks.models import SHARED_LAYERS, layer_shapes

    for name, shape in layer_shapes(arch).items():
        shared = "  (shared by the CNN families)" if name in SHARED_LAYERS and arch != "lstm" else ""
        typer.echo(f"{name:14s} {' x '.join(str(n) for n in shape)}{shared}")
