"""What reaches the cloud, and what the logs hold, through every flow: only codes of `latent` values.

The cloud's audit folder keeps every body it accepted. Each representation in
them must decode to exactly ``latent`` values, fit in 4 KiB, hold no audio
header and share no run of bytes with anything a device uploaded; there is one
per accepted utterance. Both services' logs are scanned the same way.
"""

from __future__ import annotations

import base64
import json

import numpy as np

from emoshield.features import get_extractor, read_features
from emoshield.serving.enrolment import Enrolment
from emoshield.serving.wire import SCHEMA_VERSION, RepresentationBatch, names_digest
from tests.serving.conftest import DEVICE_TOKEN, device, new_enrolment, page_send, start_system

#: A run of this many bytes shared with an upload counts as a leak.
RUN = 24


def _windows(data: bytes) -> set[bytes]:
    return {data[i : i + RUN] for i in range(0, max(0, len(data) - RUN + 1))}


def _shares_a_run(text: bytes, uploads: list[bytes]) -> bool:
    return any(w in upload for w in _windows(text) for upload in uploads)


def test_only_codes_reach_the_cloud_through_every_flow(artifacts, tmp_path):
    system = start_system(artifacts, tmp_path)
    uploads: list[bytes] = []
    accepted = 0
    try:
        edge = device(system.edge.url)
        info = edge.get("/v1/info").json()
        frame = read_features(artifacts.features)
        rows = frame.loc[[str(w) for w in artifacts.wavs[6:12]]].to_numpy(np.float32)
        names = get_extractor("compare2016").feature_names
        X = Enrolment(names_digest(names)).update(rows).standardise(rows, minimum=2)
        # features, one utterance and a batch
        bodies = [{"schema_version": SCHEMA_VERSION, "feature_set": "compare2016", "names_digest": info["names_digest"],
                   "n_features": info["n_features"], "values": base64.b64encode(x.astype("<f4").tobytes()).decode(),
                   "standardised": True} for x in X]
        for body in (bodies[0], {"schema_version": SCHEMA_VERSION, "items": bodies[1:]}):
            raw = json.dumps(body).encode()
            uploads.append(raw)
            reply = edge.post("/v1/features", content=raw, headers={"content-type": "application/json"})
            assert reply.status_code == 200
            accepted += len(reply.json()["results"])
        uploads += [x.astype("<f4").tobytes() for x in X]
        # audio, enrolling (two) then decided (two)
        enrolment = new_enrolment(edge)
        for wav in artifacts.wavs[12:16]:
            data = wav.read_bytes()
            uploads.append(data)
            reply = edge.post("/v1/audio", content=data, headers={"x-enrolment": enrolment, "content-type": "audio/wav"})
            accepted += reply.json()["result"] is not None
        # the browser
        shown = page_send(system.edge.url, artifacts.wavs[16:19])
        uploads += [w.read_bytes() for w in artifacts.wavs[16:19]]
        accepted += sum(s["status"] == "Done." for s in shown)
        # bad input, refused before anything is encoded
        bad = dict(bodies[0], names_digest="0" * 16)
        assert edge.post("/v1/features", json=bad).status_code == 422
        assert edge.post("/v1/audio", content=b"RIFF" + b"\0" * 64, headers={"x-enrolment": enrolment}).status_code == 422
        assert accepted == 6 + 2 + 1
    finally:
        system.stop()

    uploads += [base64.b64encode(u) for u in uploads]
    items = []
    for path in sorted(system.audit.iterdir()):
        body = path.read_bytes()
        batch = RepresentationBatch.model_validate_json(body)
        for item in batch.items:
            text = item.model_dump_json().encode()
            assert len(text) <= 4096 and item.latent == info["latent"] and item.array().shape == (info["latent"],)
            assert b"RIFF" not in text and b"fLaC" not in text and b"WAVE" not in text
            assert not _shares_a_run(text, uploads), path
            items.append(item)
        assert set(json.loads(body)) == {"schema_version", "items"}
    assert len(items) == accepted
    codes = [item.values.encode() for item in items]
    for log in (system.edge.log, system.cloud.log):
        text = log.read_bytes()
        assert b"RIFF" not in text and not _shares_a_run(text, uploads), log
        assert not any(code[:RUN] in text for code in codes), f"{log} holds a code"
        assert DEVICE_TOKEN.encode() not in text
