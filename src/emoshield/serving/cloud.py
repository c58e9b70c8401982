"""The cloud service: decides the emotion from a privacy-enhanced representation, and from nothing else.

``POST /v1/classify`` takes one :class:`Representation` or a batch, from an
encoder whose classifier the cloud holds, and answers a :class:`Decision` each.
With ``audit_dir`` every accepted body is written there as received, so that a
privacy review can read exactly what the cloud was given.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from fastapi import Request

from emoshield.files import private_folder, write_bytes_atomic
from emoshield.serving.cloud_model import Classifier
from emoshield.serving.security import BODY_SECONDS, Guard, RateLimit, TokenCheck
from emoshield.serving.service import Metrics, add_metrics, new_app
from emoshield.serving.wire import Decision, Representation, RepresentationBatch, WireError

#: Largest body accepted: a full batch (MAX_BATCH) of float32 codes of the largest latent (MAX_LATENT) fits.
BODY_LIMIT = 8 * 1024 * 1024


@dataclass
class CloudSettings:
    classifiers: dict[str, Classifier]
    token: str
    rate: RateLimit | None = None
    audit_dir: Path | None = None
    docs: bool = False  # /docs and /openapi.json
    body_seconds: float = BODY_SECONDS  # a body must arrive within this (408)


def decide(classifiers: dict[str, Classifier], items: list[Representation]) -> list[Decision]:
    """A decision per representation; WireError naming the first one that cannot be read."""
    codes: dict[str, list[tuple[int, np.ndarray]]] = defaultdict(list)
    for i, item in enumerate(items):
        classifier = classifiers.get(item.encoder_id)
        if classifier is None:
            raise WireError(f"representation {item.request_id}: unknown encoder_id {item.encoder_id}; "
                            f"this cloud accepts {', '.join(sorted(classifiers))}")
        if item.latent != classifier.latent:
            raise WireError(f"representation {item.request_id}: latent {item.latent}, encoder {item.encoder_id} makes {classifier.latent}")
        codes[item.encoder_id].append((i, item.array()))
    decisions: list[Decision | None] = [None] * len(items)
    for encoder_id, rows in codes.items():
        classifier = classifiers[encoder_id]
        probabilities = classifier.classify(np.stack([code for _, code in rows]))
        for (i, _), p in zip(rows, probabilities):
            best = int(np.argmax(p))
            decisions[i] = Decision(request_id=items[i].request_id, label=classifier.labels[best], confidence=float(p[best]),
                                    probabilities={label: round(float(v), 6) for label, v in zip(classifier.labels, p)})
    return decisions  # type: ignore[return-value]


def create_cloud_app(settings: CloudSettings):
    """The cloud's ASGI app (FastAPI inside the size/rate guard and the metrics)."""
    app = new_app("emoshield cloud", ready=lambda: bool(settings.classifiers), docs=settings.docs)
    if settings.audit_dir is not None:
        private_folder(settings.audit_dir)

    @app.post("/v1/classify")
    async def classify(body: Representation | RepresentationBatch, request: Request) -> dict:
        """Decide the emotion of one representation or a batch."""
        items = body.items if isinstance(body, RepresentationBatch) else [body]
        decisions = decide(settings.classifiers, items)
        if settings.audit_dir is not None:
            name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.json"  # sorts by arrival, unique across restarts
            write_bytes_atomic(settings.audit_dir / name, await request.body(), private=True)
        metrics.utterances.inc(len(items))
        return {"decisions": [d.model_dump() for d in decisions]}

    @app.get("/v1/info")
    async def info() -> dict:
        """The encoders this cloud accepts, with their latent size, wire dtype and labels."""
        return {"service": "cloud", "encoders": {k: {"latent": c.latent, "dtype": c.dtype, "labels": c.labels}
                                                 for k, c in settings.classifiers.items()}}

    metrics = Metrics(Guard(app, {}, BODY_LIMIT, settings.rate, TokenCheck(settings.token), settings.body_seconds), ("/v1/classify", "/v1/info", "/healthz", "/readyz", "/metrics"))
    add_metrics(app, metrics)
    return metrics
