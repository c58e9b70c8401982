"""The running system's commands: ``encoder fit/export``, ``cloud fit``, ``serve edge/cloud``, ``send``."""

from __future__ import annotations

import functools
import importlib.util
import ipaddress
import os
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional
from urllib.parse import urlparse

import typer
from rich.table import Table

from emoshield.commands.common import FeaturesArgument, ManifestArgument, choice_of, stdout
from emoshield.errors import ConfigError
from emoshield.progress import console, progress_bar
from emoshield.types import Target as TargetKind

encoder_app = typer.Typer(help="Fit and export the edge's privacy encoder.", no_args_is_help=True)
cloud_app = typer.Typer(help="Fit the cloud's emotion classifier for an encoder.", no_args_is_help=True)
serve_app = typer.Typer(help="Run the edge or the cloud service (needs the `serve` extra).", no_args_is_help=True)

Port = Annotated[int, typer.Option(help="Port (0: any free one; see --ready-file).")]
Host = Annotated[str, typer.Option(help="Address to listen on.")]
ReadyFile = Annotated[Optional[Path], typer.Option(help="Written with {url, port, pid} once the service accepts connections.")]
CertFile = Annotated[Optional[Path], typer.Option(help="TLS certificate (PEM); with --ssl-keyfile the service speaks HTTPS.")]
KeyFile = Annotated[Optional[Path], typer.Option(help="TLS private key (PEM).")]
LogLevel = Annotated[str, typer.Option(help="uvicorn's log level: debug, info (one access line per request), warning, error.")]
RateOption = Annotated[float, typer.Option(help="Requests per second per client address (0: no limit).")]
BodyTimeout = Annotated[float, typer.Option(help="Seconds a request's body may take to arrive (then 408).")]
TrustedProxies = Annotated[str, typer.Option(
    help="Comma-separated addresses of proxies whose X-Forwarded-For is believed (none by default).")]
HeaderTimeout = Annotated[float, typer.Option(help="Seconds a request's line and headers may take to arrive (then 408).")]
Workers = Annotated[int, typer.Option(help="Worker processes serving the one port (each its own models and connections).")]
DocsOption = Annotated[bool, typer.Option(help="Serve the API's interactive docs (/docs, /openapi.json); off by default.")]
Target = Annotated[str, typer.Option(help="emotion (categories) or valence (binary, seed 000).")]


def need_serve_extra(*modules: str) -> None:
    """ConfigError naming the extra to install when a module of the ``serve`` extra is missing."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise ConfigError(f"this command needs {', '.join(missing)}: pip install 'emoshield[serve]'")


SERVICE_MODULES = ("fastapi", "uvicorn", "httpx", "onnxruntime", "prometheus_client")


@encoder_app.command("fit")
def encoder_fit(
    features: FeaturesArgument,
    manifest: ManifestArgument,
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for config.json and weights.pt.")] = Path("encoder"),
    method: Annotated[str, typer.Option(help="An encoder method: adversarial, ae_emotion, ae or adversarial_ali, with parameters.")] = "adversarial",
    target: Target = "emotion",
    seed: Annotated[int, typer.Option(help="Seed of weights and batch order.")] = 0,
) -> None:
    """Fit the privacy encoder on every speaker given; the folder gains an encoder_id.

    Example: emoshield encoder fit emodb.parquet emodb.csv --method "adversarial(latent=32)" -o enc/
    """
    # pandas, torch: load when the command runs
    from emoshield.features import read_features
    from emoshield.manifest import read_manifest
    from emoshield.methods.statistics import Priors
    from emoshield.privacy import save_encoder
    from emoshield.privacy.io import encoder_info
    from emoshield.serving.training import fit_encoder, training_data

    named, data = training_data(read_features(features), read_manifest(manifest), features, choice_of(TargetKind, target, "--target"))
    with console.status(f"fitting {method} on {len(data.X)} utterances of {len(data.speaker_names)} speakers"):
        encoder, front = fit_encoder(named, data, method, seed)
    front_end = "minmax" if front is None else "speaker"
    save_encoder(encoder, output, front_end=front_end, priors=front.priors if front is not None else Priors())
    info = encoder_info(output)
    console.print(f"wrote {output} (encoder_id {info['encoder_id']}, front end {front_end}, latent {encoder.model_.latent_size})")


@encoder_app.command("export")
def encoder_export(
    encoder: Annotated[Path, typer.Argument(help="A folder from `encoder fit`.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The ONNX file to write.")] = Path("edge.onnx"),
) -> None:
    """One ONNX graph from the device's features to the code, checked against torch within 1e-4.

    Example: emoshield encoder export enc/ -o edge.onnx
    """
    need_serve_extra("onnx", "onnxruntime")
    # torch, ONNX: load when the command runs
    from emoshield.serving.export import export_encoder

    meta = export_encoder(encoder, output)
    console.print(f"wrote {output}: encoder_id {meta['encoder_id']}, {meta['n_features']} {meta['feature_set']} features "
                  f"-> {meta['latent']} values, front end {meta['front_end']} (ONNX Runtime vs torch: {meta['max_difference']})")


@cloud_app.command("fit")
def cloud_fit(
    features: FeaturesArgument,
    manifest: ManifestArgument,
    encoder: Annotated[Path, typer.Option(help="The encoder folder whose codes the classifier reads.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The cloud folder (cloud.json and one ONNX file per encoder).")] = Path("cloud"),
    target: Target = "emotion",
    dtype: Annotated[str, typer.Option(help="Wire dtype of the codes: float16 or float32.")] = "float16",
    seed: Annotated[int, typer.Option(help="Seed of the inner folds.")] = 0,
) -> None:
    """Encode the features, cast them through the wire dtype, fit the emotion classifier, write it as ONNX.

    Example: emoshield cloud fit emodb.parquet emodb.csv --encoder enc/ -o cloud/
    """
    # pandas, torch: load when the command runs
    from emoshield.features import read_features
    from emoshield.manifest import read_manifest
    from emoshield.privacy import load_encoder
    from emoshield.privacy.io import encoder_info
    from emoshield.serving.cloud_model import fit_cloud
    from emoshield.serving.training import device_view, saved_front_end, training_data

    _check_dtype(dtype)
    info = encoder_info(encoder)
    named, data = training_data(read_features(features), read_manifest(manifest), features, choice_of(TargetKind, target, "--target"))
    codes = load_encoder(encoder).transform(device_view(named, data, saved_front_end(encoder)))
    with console.status(f"fitting the classifier on {len(codes)} codes"):
        entry = fit_cloud(codes, data.labels, data.speakers, info["encoder_id"], output, dtype, seed)
    console.print(f"wrote {output}/{entry['model']} for encoder {info['encoder_id']}: {len(entry['labels'])} classes, "
                  f"inner speaker-grouped UAR {entry['selection']['inner_uar']:.3f}")


@serve_app.command("edge")
def serve_edge(
    encoder: Annotated[Path, typer.Option(help="The ONNX file from `encoder export`.")],
    cloud_url: Annotated[str, typer.Option(help="Base URL of the cloud service.")],
    accept_audio: Annotated[bool, typer.Option(help="Also take audio uploads (features extracted here) and serve the web page's upload.")] = False,
    device_token_file: Annotated[Optional[Path], typer.Option(help="File holding the device->edge token (else $EMOSHIELD_DEVICE_TOKEN).")] = None,
    cloud_token_file: Annotated[Optional[Path], typer.Option(help="File holding the edge->cloud token (else $EMOSHIELD_CLOUD_TOKEN).")] = None,
    cloud_ca_file: Annotated[Optional[Path], typer.Option(help="CA certificate that signed the cloud's TLS certificate.")] = None,
    dtype: Annotated[str, typer.Option(help="Wire dtype of the codes sent to the cloud.")] = "float16",
    min_enrolment: Annotated[int, typer.Option(
        help="Utterances a speaker enrols before the first decision (the evaluation measures 10).")] = 10,
    rate_limit: RateOption = 50.0,
    host: Host = "127.0.0.1",
    port: Port = 8080,
    ready_file: ReadyFile = None,
    ssl_certfile: CertFile = None,
    ssl_keyfile: KeyFile = None,
    log_level: LogLevel = "info",
    docs: DocsOption = False,
    trusted_proxy: TrustedProxies = "",
    body_timeout: BodyTimeout = 20.0,
    allow_plaintext: Annotated[bool, typer.Option(
        help="Allow an http:// cloud URL to a host other than this one (the cloud token would travel in clear).")] = False,
    max_extractions: Annotated[int, typer.Option(
        help="Audio uploads extracted at once; more are answered 503 with Retry-After (default: the cores).")] = 0,
    enrolment_store: Annotated[str, typer.Option(
        help="Where audio uploads' enrolments live: sqlite (a file in --state-dir), sqlite:///PATH, or "
             "redis://HOST:PORT/DB shared by replicas (password in $EMOSHIELD_REDIS_PASSWORD).")] = "sqlite",
    state_dir: Annotated[Path, typer.Option(
        help="The edge's own folder (0700): the SQLite enrolment store and the enrolment secret.")] = Path.home() / ".emoshield" / "edge",
    max_enrolments: Annotated[int, typer.Option(
        help="Enrolments kept; a new one replaces the least recently used if idle for a day, else waits (503).")] = 4096,
    workers: Workers = 1,
    header_timeout: HeaderTimeout = 10.0,
) -> None:
    """The edge: encodes what devices send, asks the cloud, answers the device.

    Example: EMOSHIELD_DEVICE_TOKEN=... EMOSHIELD_CLOUD_TOKEN=... emoshield serve edge --encoder edge.onnx --cloud-url http://127.0.0.1:8081
    """
    need_serve_extra(*SERVICE_MODULES)
    # the serve extra (uvicorn, FastAPI, ONNX Runtime): loads only when a service starts
    from emoshield.serving.security import CLOUD_TOKEN_ENV, DEVICE_TOKEN_ENV, read_token
    from emoshield.serving.server import serve

    _check_dtype(dtype)
    _check_cloud_url(cloud_url, allow_plaintext)
    options = dict(
        cloud_url=cloud_url, device_token=read_token(DEVICE_TOKEN_ENV, device_token_file),
        cloud_token=read_token(CLOUD_TOKEN_ENV, cloud_token_file), cloud_ca=cloud_ca_file, accept_audio=accept_audio,
        wire_dtype=dtype, min_enrolment=_min_enrolment(min_enrolment), docs=docs,
        max_extractions=max_extractions if max_extractions > 0 else (os.cpu_count() or 2), body_seconds=body_timeout,
        state_dir=state_dir, enrolment_store="" if enrolment_store == "sqlite" else enrolment_store,
        max_enrolments=max_enrolments,
    )
    serve(functools.partial(build_edge, encoder, rate_limit, options), host, port, ready_file, ssl_certfile, ssl_keyfile,
          _log_level(log_level), trusted_proxy, workers, header_timeout)


def build_edge(encoder: Path, rate_limit: float, options: dict):
    """The edge's app, built in each worker process (a model session, a store connection and a rate limit each)."""
    # ONNX Runtime, pandas: load when the service starts
    from emoshield.serving.edge import EdgeSettings, create_edge_app
    from emoshield.serving.edge_model import EdgeModel

    return create_edge_app(EdgeSettings(model=EdgeModel.load(encoder), rate=_rate(rate_limit), **options))


@serve_app.command("cloud")
def serve_cloud(
    model: Annotated[Path, typer.Option(help="The cloud folder from `cloud fit`.")],
    cloud_token_file: Annotated[Optional[Path], typer.Option(help="File holding the edge->cloud token (else $EMOSHIELD_CLOUD_TOKEN).")] = None,
    audit_dir: Annotated[Optional[Path], typer.Option(help="Write every accepted request body here, as received (privacy review).")] = None,
    rate_limit: RateOption = 50.0,
    host: Host = "127.0.0.1",
    port: Port = 8081,
    ready_file: ReadyFile = None,
    ssl_certfile: CertFile = None,
    ssl_keyfile: KeyFile = None,
    log_level: LogLevel = "info",
    docs: DocsOption = False,
    trusted_proxy: TrustedProxies = "",
    body_timeout: BodyTimeout = 20.0,
    workers: Workers = 1,
    header_timeout: HeaderTimeout = 10.0,
) -> None:
    """The cloud: decides the emotion from privacy-enhanced representations only.

    Example: EMOSHIELD_CLOUD_TOKEN=... emoshield serve cloud --model cloud/ --port 8081
    """
    need_serve_extra(*SERVICE_MODULES)
    # the serve extra (uvicorn, FastAPI, ONNX Runtime): loads only when a service starts
    from emoshield.serving.security import CLOUD_TOKEN_ENV, read_token
    from emoshield.serving.server import serve

    options = dict(token=read_token(CLOUD_TOKEN_ENV, cloud_token_file), audit_dir=audit_dir, docs=docs,
                   body_seconds=body_timeout)
    serve(functools.partial(build_cloud, model, rate_limit, options), host, port, ready_file, ssl_certfile, ssl_keyfile,
          _log_level(log_level), trusted_proxy, workers, header_timeout)


def build_cloud(model: Path, rate_limit: float, options: dict):
    """The cloud's app, built in each worker process (its own classifier sessions and rate limit)."""
    # ONNX Runtime: loads when the service starts
    from emoshield.serving.cloud import CloudSettings, create_cloud_app
    from emoshield.serving.cloud_model import load_cloud

    return create_cloud_app(CloudSettings(classifiers=load_cloud(model), rate=_rate(rate_limit), **options))


def send(
    files: Annotated[list[Path], typer.Argument(help="Audio files (WAV, FLAC) of the device's user.")],
    edge: Annotated[str, typer.Option(help="Base URL of the edge service.")],
    upload_audio: Annotated[bool, typer.Option(help="Send the audio for the edge to extract (thin devices) instead of features.")] = False,
    token_file: Annotated[Optional[Path], typer.Option(help="File holding the device->edge token (else $EMOSHIELD_DEVICE_TOKEN).")] = None,
    ca_file: Annotated[Optional[Path], typer.Option(help="CA certificate that signed the edge's TLS certificate.")] = None,
    profile: Annotated[Optional[Path], typer.Option(help="The user's enrolment statistics, kept on this device.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file instead of the table.")] = False,
) -> None:
    """The device: extract ComParE here, send features (or audio) to the edge, print the decisions.

    For each file it prints exactly what left the device and what reached the cloud.
    Example: EMOSHIELD_DEVICE_TOKEN=... emoshield send a.wav b.wav --edge http://127.0.0.1:8080
    """
    need_serve_extra("httpx")
    # openSMILE, pandas: load when the command runs
    from emoshield.serving.client import DEFAULT_PROFILE, EdgeClient
    from emoshield.serving.security import DEVICE_TOKEN_ENV, read_token

    client = EdgeClient(edge, read_token(DEVICE_TOKEN_ENV, token_file), ca_file)
    with progress_bar("sending", len(files)) as advance:
        run = client.send_audio if upload_audio else client.send_features
        outcomes = run(files, profile or DEFAULT_PROFILE, advance)
    if as_json:
        for o in outcomes:
            stdout.print_json(data=asdict(o), indent=None)
    else:
        stdout.print(outcome_table(outcomes))
    failed = sum(o.status == "failed" for o in outcomes)
    counts = ", ".join(f"{sum(o.status == s for o in outcomes)} {s}" for s in ("decided", "enrolling", "failed")
                       if any(o.status == s for o in outcomes))
    console.print(f"{len(outcomes) - failed} of {len(outcomes)} sent ({counts})")
    if failed:
        raise typer.Exit(1)


def outcome_table(outcomes) -> Table:
    """A row per file, named by what tells the files apart (their paths below a common folder); what left the
    device and what reached the cloud, once, in the caption (the same for every decided file)."""
    names = short_names([o.file for o in outcomes])
    table = Table("file", "status", "emotion (confidence)", "sent → cloud", "note")
    for name, o in zip(names, outcomes):
        decided = o.status == "decided"
        table.add_row(name, o.status if o.status != "failed" else "[yellow]failed[/yellow]",
                      f"{o.label} ({o.confidence:.2f})" if decided else "-",
                      f"{o.sent_bytes:,} B → {o.cloud_bytes} B" if decided else "-", o.note)
    decided = [o for o in outcomes if o.status == "decided"]
    if decided:
        table.caption = f"left the device: {decided[0].sent_what}; reached the cloud: {decided[0].cloud_what}"
    return table


def short_names(files: list[str]) -> list[str]:
    """Each path below the folder all of them share (a lone file: its name)."""
    paths = [Path(f).resolve() for f in files]
    if len(paths) == 1:
        return [paths[0].name]
    common = Path(os.path.commonpath(paths))
    return [str(p.relative_to(common)) if p != common else p.name for p in paths]


def _check_dtype(dtype: str) -> None:
    # numpy, pydantic: load when a command runs
    from emoshield.serving.wire import WIRE_DTYPES

    if dtype not in WIRE_DTYPES:
        raise ConfigError(f"--dtype must be one of {', '.join(WIRE_DTYPES)}, got {dtype!r}")


def _min_enrolment(utterances: int) -> int:
    if utterances < 2:
        raise ConfigError(f"--min-enrolment: statistics need 2 or more utterances, got {utterances}")
    return utterances


def _check_cloud_url(url: str, allow_plaintext: bool) -> None:
    """Refuse to send the cloud token in clear to another machine unless asked to."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"--cloud-url must be an http:// or https:// URL with a host, got {url!r}")
    if parsed.scheme == "http" and not allow_plaintext and not _is_loopback(parsed.hostname):
        raise ConfigError(f"--cloud-url {url} is plain HTTP to another host: the cloud token would travel in clear; "
                          "use https:// (with --cloud-ca-file for a private CA) or --allow-plaintext")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _log_level(level: str) -> str:
    if level not in ("debug", "info", "warning", "error"):
        raise ConfigError(f"--log-level must be debug, info, warning or error, got {level!r}")
    return level


def _rate(per_second: float):
    # FastAPI: loads when a command runs
    from emoshield.serving.security import RateLimit

    return RateLimit(per_second, burst=max(1, int(per_second))) if per_second > 0 else None
