"""The edge service: encodes what a device sends with the exported privacy encoder, asks the cloud.

``POST /v1/features`` takes one utterance's functionals or a batch (already
standardised on the device when the encoder has the speaker front end);
``POST /v1/audio`` (only with ``accept_audio``) takes one mono WAV/FLAC file,
kept in memory, and extracts the features here, standardising them with the
running statistics of the enrolment named by the ``X-Enrolment`` header, kept
in the edge's enrolment store (``serving.store``: SQLite, or Redis shared by
replicas). The edge sends the cloud only :class:`Representation` messages.
"""

from __future__ import annotations

import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from emoshield.errors import EmoshieldError
from emoshield.serving.edge_model import EdgeModel
from emoshield.serving.enrolment import MIN_ENROLMENT, Enrolment
from emoshield.serving.intake import MAX_SECONDS, MIN_SECONDS, RATES
from emoshield.serving.outliers import check as check_outlier
from emoshield.serving.security import BODY_SECONDS, EnrolmentIds, Guard, RateLimit, TokenCheck, tls_client_context
from emoshield.serving.service import Metrics, add_metrics, new_app, page_security_headers
from emoshield.serving.store import CAPACITY, EnrolmentStore, StoreError, StoreFull
from emoshield.serving.stores import open_store
from emoshield.serving.wire import (
    SCHEMA_VERSION,
    WIRE_DTYPES,
    EdgeResult,
    Features,
    FeaturesBatch,
    Representation,
    RepresentationBatch,
    Sent,
    WireError,
    check_finite,
    front_end_message,
    names_digest,
    represent,
)

#: New enrolment ids per client address: a burst, then one every 10 s.
NEW_ENROLMENTS_PER_SECOND, NEW_ENROLMENTS_BURST = 0.1, 20
#: How long the edge trusts the cloud's last /readyz answer (seconds).
READY_CACHE_SECONDS = 3.0
#: What /v1/features takes: one utterance's features or a batch.
FEATURES_BODY: TypeAdapter[Features | FeaturesBatch] = TypeAdapter(Features | FeaturesBatch)
#: Body limits: a full batch (MAX_BATCH) of ComParE messages (about 34 KB each) fits.
FEATURES_LIMIT = 10 * 1024 * 1024
AUDIO_LIMIT = 4 * 1024 * 1024
#: The rate the edge's extractor reads (files at other rates are resampled; serving.intake says which).
AUDIO_RATE = 16000
#: The edge's state folder by default: its enrolment store (SQLite) and its enrolment secret.
STATE_DIR = Path.home() / ".emoshield" / "edge"
PAGE = Path(__file__).with_name("static") / "index.html"
#: The page's icon: a shield (SVG, served as /favicon.ico).
ICON = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M8 1 2 3v5c0 3.5 2.6 6 6 7 '
        b'3.4-1 6-3.5 6-7V3z" fill="#3b73c4"/></svg>')


@dataclass
class EdgeSettings:
    model: EdgeModel
    cloud_url: str
    device_token: str
    cloud_token: str
    cloud_ca: Path | None = None
    accept_audio: bool = False
    wire_dtype: str = "float16"
    rate: RateLimit | None = None
    min_enrolment: int = MIN_ENROLMENT
    docs: bool = False  # /docs and /openapi.json
    max_extractions: int = 2  # audio uploads extracted at once; more wait outside (503, Retry-After)
    body_seconds: float = BODY_SECONDS  # a body must arrive within this (408)
    state_dir: Path = STATE_DIR  # the SQLite store and the enrolment secret
    enrolment_store: str = ""  # "" (SQLite in state_dir), sqlite:///PATH or redis://HOST:PORT/DB
    max_enrolments: int = CAPACITY


class CloudError(EmoshieldError):
    """The cloud could not be reached or refused the edge's representations."""


class Edge:
    """The edge's state: the model, the cloud client, the audio extractor and the enrolment store."""

    def __init__(self, settings: EdgeSettings) -> None:
        self.settings = settings
        self.model = settings.model
        self.client: httpx.AsyncClient | None = None
        self.extractor = self._extractor() if settings.accept_audio else None
        self.extracting = 0  # audio uploads being extracted now
        enrolling = settings.accept_audio and self.model.front_end == "speaker"
        self.ids = EnrolmentIds.load(settings.state_dir) if enrolling else EnrolmentIds()
        self.store: EnrolmentStore | None = None
        if enrolling:
            self.store = open_store(settings.enrolment_store, settings.state_dir, self.model.names_digest,
                                    settings.max_enrolments)
            self.store.bind_secret(self.ids.fingerprint())
        self.issuing = RateLimit(NEW_ENROLMENTS_PER_SECOND, burst=NEW_ENROLMENTS_BURST)  # per client address
        self._cloud_ready: tuple[float, bool] = (-READY_CACHE_SECONDS, False)  # (when asked, answer)

    def _extractor(self):
        # openSMILE: only for an edge that takes audio (--accept-audio)
        from emoshield.features import get_extractor

        extractor = get_extractor(self.model.feature_set)
        if names_digest(extractor.feature_names) != self.model.names_digest:
            raise EmoshieldError(f"the encoder's feature names do not match this edge's {self.model.feature_set} extractor")
        return extractor

    def check(self, item: Features) -> np.ndarray:
        """The utterance's values, if they are the features this encoder reads."""
        model, where = self.model, f"utterance {item.request_id}"
        if item.feature_set != model.feature_set:
            raise WireError(f"{where}: feature set {item.feature_set!r}, this encoder reads {model.feature_set!r}")
        if item.n_features != model.n_features or item.names_digest != model.names_digest:
            raise WireError(f"{where}: feature names (digest {item.names_digest}, {item.n_features}) do not match the "
                            f"encoder's (digest {model.names_digest}, {model.n_features})")
        wanted = model.front_end == "speaker"
        if item.standardised != wanted:
            raise WireError(f"{where}: this encoder reads features " + (
                "standardised on the device with the speaker's own statistics (front_end=speaker); send standardised=true"
                if wanted else "as extracted (front_end=minmax); send standardised=false"))
        return item.array()

    async def ready(self) -> bool:
        """Whether the cloud answers its /readyz (asked at most every READY_CACHE_SECONDS)."""
        asked, answer = self._cloud_ready
        if time.monotonic() - asked < READY_CACHE_SECONDS:
            return answer
        answer = False
        if self.client is not None:
            try:
                reply = await self.client.get("/readyz", timeout=READY_CACHE_SECONDS)
                answer = reply.status_code == 200 and reply.json().get("ready") is True
            except (httpx.HTTPError, ValueError):
                answer = False
        self._cloud_ready = (time.monotonic(), answer)
        return answer

    def represent(self, X: np.ndarray, ids: list[str]) -> tuple[list[Representation], bytes]:
        """Each utterance's code as the cloud receives it, and the body that carries them."""
        with np.errstate(over="ignore"):  # a code past the wire dtype's range is caught just below
            codes = self.model.encode(X).astype(WIRE_DTYPES[self.settings.wire_dtype])
        for code, device_id in zip(codes, ids):  # overflowing the wire dtype is the device's input's fault
            check_finite(code, f"utterance {device_id}: its code")
        items = [represent(code, self.model.encoder_id, self.settings.wire_dtype, uuid.uuid4().hex) for code in codes]
        return items, RepresentationBatch(schema_version=SCHEMA_VERSION, items=items).model_dump_json().encode()

    def read_features(self, body: bytes) -> tuple[np.ndarray, list[str]]:
        """The utterances of a ``Features`` or ``FeaturesBatch`` body, checked, and their request ids."""
        try:
            message = FEATURES_BODY.validate_json(body)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from None
        items = message.items if isinstance(message, FeaturesBatch) else [message]
        return np.stack([self.check(item) for item in items]), [item.request_id for item in items]

    async def decide(self, X: np.ndarray, ids: list[str], sizes: list[int]) -> list[EdgeResult]:
        """Encode, send the codes to the cloud, return each decision with what was sent.

        The cloud hop gets fresh random request ids: nothing the device chose (its own
        request ids included) rides along to the cloud.
        """
        items, body = await run_in_threadpool(self.represent, X, ids)  # ONNX and JSON off the event loop
        assert self.client is not None
        try:
            reply = await self.client.post("/v1/classify", content=body, headers={"content-type": "application/json"})
        except httpx.HTTPError as exc:
            raise CloudError(f"cloud unreachable ({type(exc).__name__})") from None
        if reply.status_code != 200:
            raise CloudError(f"cloud answered {reply.status_code}: {_detail(reply)}")
        decisions = reply.json()["decisions"]
        if len(decisions) != len(items):
            raise CloudError(f"cloud answered {len(decisions)} decisions for {len(items)} representations")
        return [
            EdgeResult(decision={**d, "request_id": device_id}, to_cloud=item, to_cloud_bytes=len(item.model_dump_json()),
                       from_device=Sent(bytes=size, shape=[int(X.shape[1])], dtype="float32"))
            for d, item, device_id, size in zip(decisions, items, ids, sizes)
        ]

    def enrol(self, key: str, values: np.ndarray) -> tuple[Enrolment, bool]:
        """Check the utterance against the enrolment (``serving.outliers``: OutlierError) and add it while the
        enrolment needs utterances before its first decision; the enrolment after, and whether it was added."""
        priors, minimum = self.model.priors, self.settings.min_enrolment

        def change(state: Enrolment) -> bool:
            check_outlier(values, state, priors)
            if state.count >= minimum:
                return False
            state.update(values, priors)
            return True

        assert self.store is not None
        return self.store.update(key, change)

    def learn(self, key: str, values: np.ndarray) -> Enrolment:
        """Add a decided utterance to the enrolment (atomically: another process's additions are kept)."""
        assert self.store is not None
        return self.store.update(key, lambda state: state.update(values, self.model.priors) is state)[0]

    def extract(self, data: bytes) -> tuple[np.ndarray, list[str]]:
        """ComParE (or the encoder's set) of one uploaded file, and what decoding changed (mixed down,
        resampled); AudioError/WireError for audio ``serving.intake`` refuses."""
        # openSMILE: only for an edge that takes audio (--accept-audio)
        from emoshield.audio import decode_audio

        if not data:
            raise WireError("audio: empty body (0 bytes); send a WAV or FLAC file")
        audio = decode_audio(data, "audio", AUDIO_RATE, max_seconds=MAX_SECONDS, min_seconds=MIN_SECONDS, rates=RATES)
        return self.extractor(audio), audio.notes


def _detail(reply: httpx.Response) -> str:
    try:
        return str(reply.json().get("detail"))[:300]
    except ValueError:
        return reply.text[:300]


def create_edge_app(settings: EdgeSettings):
    """The edge's ASGI app."""
    edge = Edge(settings)

    @asynccontextmanager
    async def lifespan(app):
        edge.client = httpx.AsyncClient(
            base_url=settings.cloud_url, verify=tls_client_context(settings.cloud_ca),
            headers={"authorization": f"Bearer {settings.cloud_token}"}, timeout=10.0,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        try:
            yield
        finally:
            await edge.client.aclose()
            edge.client = None
            if edge.store is not None:
                edge.store.close()

    app = new_app("emoshield edge", ready=edge.ready, lifespan=lifespan, docs=settings.docs)

    @app.exception_handler(CloudError)
    async def _cloud_failed(request: Request, exc: CloudError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=502)

    @app.exception_handler(StoreError)
    async def _store_failed(request: Request, exc: StoreError) -> JSONResponse:
        wait = "60" if isinstance(exc, StoreFull) else "5"
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": wait})

    @app.post("/v1/features")
    async def features(request: Request) -> dict:
        """Encode one utterance's features (a ``Features`` JSON body) or a batch (``FeaturesBatch``); the cloud
        decides each."""
        kind = request.headers.get("content-type", "")
        if not kind.startswith("application/json"):
            raise HTTPException(415, f"send the body as JSON with Content-Type: application/json (got {kind[:60] or 'none'!r})")
        body = await request.body()
        X, ids = await run_in_threadpool(edge.read_features, body)  # parsing a batch takes a while
        results = await edge.decide(X, ids, [len(body) // len(ids)] * len(ids))
        metrics.utterances.inc(len(ids))
        return {"results": [r.model_dump() for r in results]}

    @app.post("/v1/enrolments", status_code=201)
    async def new_enrolment(request: Request) -> dict:
        """A new speaker's enrolment id (a capability: whoever holds it owns the enrolment)."""
        client = (request.client.host if request.client else "?")
        wait = edge.issuing.wait(client)
        if wait > 0:
            raise HTTPException(429, "too many new enrolments from this address; retry later",
                                headers={"Retry-After": str(max(1, round(wait + 0.5)))})
        return {"enrolment": edge.ids.issue(), "of": settings.min_enrolment}

    @app.delete("/v1/enrolments/{enrolment}", status_code=204)
    async def forget_enrolment(enrolment: str) -> Response:
        """Forget an enrolment's statistics (its owner starts again)."""
        if not edge.ids.issued(enrolment):
            raise HTTPException(403, "not an id this edge issued")
        if edge.store is not None:
            await run_in_threadpool(edge.store.delete, enrolment)
        return Response(status_code=204)

    @app.post("/v1/audio")
    async def audio(request: Request) -> dict:
        """One WAV/FLAC file (0.5 to 30 s, 8 to 48 kHz; mixed to mono, resampled); ``X-Enrolment`` names the
        speaker's enrolment."""
        if edge.extractor is None:
            raise HTTPException(404, "audio upload is off at this edge (start it with --accept-audio); send features")
        data = await request.body()
        key = request.headers.get("x-enrolment", "")
        speaker = settings.model.front_end == "speaker"
        if speaker and not key:
            raise HTTPException(422, "this encoder standardises with the speaker's own statistics: send an X-Enrolment "
                                     "header with the id POST /v1/enrolments gave this speaker")
        if speaker and not edge.ids.issued(key):
            raise HTTPException(403, "X-Enrolment is not an id this edge issued; get one with POST /v1/enrolments")
        if edge.extracting >= settings.max_extractions:
            raise HTTPException(503, f"busy: {edge.extracting} uploads are being extracted; retry shortly",
                                headers={"Retry-After": "1"})
        edge.extracting += 1  # (the event loop's thread only: no lock needed)
        try:
            values, notes = await run_in_threadpool(edge.extract, data)
        finally:
            edge.extracting -= 1
        enrolment = {}
        if speaker:
            state, enrolled = await run_in_threadpool(edge.enrol, key, values)  # outliers refused here (422)
            if enrolled:  # the first utterances only enrol
                return {"enrolment": state.progress(settings.min_enrolment), "result": None, "notes": notes}
            standardised = state.standardise(values, settings.model.priors, settings.min_enrolment)
            result = (await edge.decide(standardised, [uuid.uuid4().hex], [len(data)]))[0]
            state = await run_in_threadpool(edge.learn, key, values)  # only utterances that got a decision
            enrolment = state.progress(settings.min_enrolment)
        else:
            result = (await edge.decide(values.astype(np.float32), [uuid.uuid4().hex], [len(data)]))[0]
        result.from_device = Sent(bytes=len(data), shape=[len(data)], dtype="audio")
        metrics.utterances.inc()
        return {"enrolment": enrolment, "result": result.model_dump(), "notes": notes}

    @app.get("/v1/info")
    async def info() -> dict:
        """The encoder this edge runs and what it accepts."""
        model = settings.model
        return {"service": "edge", "encoder_id": model.encoder_id, "feature_set": model.feature_set,
                "names_digest": model.names_digest, "n_features": model.n_features, "latent": model.latent,
                "front_end": model.front_end, "prior": model.priors.prior, "mean_prior": model.priors.mean_prior,
                "emotion_aware": bool(model.priors.labels),
                "wire_dtype": settings.wire_dtype, "accept_audio": settings.accept_audio,
                "min_enrolment": settings.min_enrolment, "metadata": model.small_metadata}

    @app.get("/v1/front-end")
    async def front_end() -> dict:
        """What a device needs to standardise as the encoder expects: its priors and the training speakers'
        statistics (float32, base64, little-endian; empty without priors)."""
        return front_end_message(settings.model.priors)

    page_html = PAGE.read_text()
    page_headers = page_security_headers(page_html)

    @app.get("/", include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(page_html, headers=page_headers)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(ICON, media_type="image/svg+xml", headers={"cache-control": "max-age=86400"})

    routes = ("/v1/features", "/v1/audio", "/v1/enrolments", "/v1/info", "/v1/front-end", "/", "/favicon.ico", "/healthz", "/readyz",
              "/metrics")
    metrics = Metrics(Guard(app, {"/v1/audio": AUDIO_LIMIT}, FEATURES_LIMIT, settings.rate,
                            TokenCheck(settings.device_token), settings.body_seconds), routes)
    add_metrics(app, metrics)
    return metrics
