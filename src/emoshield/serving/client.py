"""``emoshield send``: the device. It extracts features locally and sends them, or uploads audio for thin devices.

With an encoder that has the speaker front end, the device standardises with
its user's enrolment statistics, kept in a profile file that never leaves it;
uploads name an enrolment the edge keeps instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import httpx
import numpy as np

from emoshield.errors import EmoshieldError
from emoshield.files import private_folder, write_text_atomic
from emoshield.methods.statistics import Priors
from emoshield.serving.enrolment import Enrolment
from emoshield.serving.intake import MAX_SECONDS, MIN_SECONDS, RATES
from emoshield.serving.security import tls_client_context
from emoshield.serving.wire import MAX_BATCH, FeaturesBatch, features_message, front_end_from, names_digest

#: Where the device keeps its user's enrolment by default.
DEFAULT_PROFILE = Path.home() / ".emoshield" / "enrolment.json"


@dataclass
class Outcome:
    """One file: the decision, or why there is none; what left the device and what reached the cloud.

    ``status``: ``decided``, ``enrolling`` (the file only enrolled the speaker's voice) or ``failed``
    (``note`` says why)."""

    file: str
    status: str = "failed"
    label: str | None = None
    confidence: float | None = None
    sent_bytes: int | None = None
    sent_what: str = ""
    cloud_bytes: int | None = None
    cloud_what: str = ""
    note: str = ""


class EdgeRefused(EmoshieldError):
    """The edge answered with an error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class EdgeClient:
    """A device's connection to one edge."""

    def __init__(self, url: str, token: str, ca_file: Path | None = None, timeout: float = 60.0) -> None:
        self.http = httpx.Client(base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=timeout,
                                 verify=tls_client_context(ca_file))
        self.info = self._call("GET", "/v1/info")

    def _call(self, method: str, path: str, **kwargs) -> dict:
        try:
            reply = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise EmoshieldError(f"edge {self.http.base_url}: unreachable ({exc})") from None
        if not reply.is_success:
            try:
                detail = reply.json().get("detail")
            except ValueError:
                detail = reply.text[:200]
            raise EdgeRefused(f"edge {self.http.base_url}{path}: {reply.status_code} {detail}", reply.status_code)
        return reply.json()

    def send_features(self, files: Sequence[Path], profile: Path, progress: Callable[[int], None] = lambda n: None) -> list[Outcome]:
        """Extract each file here and send its features, standardised with the speaker's enrolment when the
        encoder reads them so: the first files only enrol; the statistics grow with every file decided."""
        # openSMILE: only when the device extracts (--upload-audio sends the file)
        from emoshield.audio import load_audio
        from emoshield.features import get_extractor

        info = self.info
        extractor = get_extractor(info["feature_set"])
        digest = names_digest(extractor.feature_names)
        if digest != info["names_digest"]:
            raise EmoshieldError(f"this device's {info['feature_set']} features do not match the edge encoder's (digest {info['names_digest']})")
        standardised = info["front_end"] == "speaker"
        minimum = int(info["min_enrolment"])
        enrolment = Enrolment.load(profile, digest) if standardised else None
        priors = self.priors() if standardised else Priors()
        outcomes: list[Outcome] = []
        pending: list[tuple[Outcome, np.ndarray, np.ndarray]] = []  # (outcome, features, what is sent)
        for file in files:
            outcome = Outcome(str(file))
            outcomes.append(outcome)
            try:
                audio = load_audio(file, min_seconds=MIN_SECONDS, max_seconds=MAX_SECONDS, rates=RATES)
                x = extractor(audio)[0]
            except EmoshieldError as exc:
                outcome.note = str(exc)
            else:
                outcome.note = "; ".join(audio.notes)
                if enrolment is not None and enrolment.count < minimum:
                    enrolment.update(x, priors)
                    outcome.status = "enrolling"
                    outcome.note = "; ".join([f"enrolling {enrolment.count} of {minimum}", *audio.notes])
                else:
                    pending.append((outcome, x, enrolment.standardise(x, priors, minimum) if enrolment else x))
            progress(1)
        for start in range(0, len(pending), MAX_BATCH // 4):
            chunk = pending[start : start + MAX_BATCH // 4]
            messages = [features_message(sent, info["feature_set"], extractor.feature_names, standardised)
                        for _, _, sent in chunk]
            body = FeaturesBatch(schema_version=1, items=messages).model_dump_json()
            try:
                reply = self._call("POST", "/v1/features", content=body, headers={"content-type": "application/json"})
            except EmoshieldError as exc:
                for outcome, _, _ in chunk:
                    outcome.note = str(exc)
                continue
            for (outcome, x, sent), message, result in zip(chunk, messages, reply["results"]):
                _fill(outcome, result, len(message.model_dump_json()), f"{info['feature_set']} features: {len(sent)} float32")
                if enrolment is not None:
                    enrolment.update(x, priors)
        if enrolment is not None:
            enrolment.save(profile)
        return outcomes

    def priors(self) -> Priors:
        """The encoder's speaker front end priors, fetched from the edge."""
        return front_end_from(self._call("GET", "/v1/front-end"), f"edge {self.http.base_url}/v1/front-end")

    def _upload(self, data: bytes, key_file: Path) -> dict:
        """One file to /v1/audio under this device's enrolment id, asking the edge for one when needed."""
        for _ in range(2):
            key = _stored_id(key_file)
            if key is None:
                key = self._call("POST", "/v1/enrolments")["enrolment"]
                private_folder(key_file.parent)
                write_text_atomic(key_file, key, private=True)
            try:
                return self._call("POST", "/v1/audio", content=data, headers={"content-type": "audio/wav", "x-enrolment": key})
            except EdgeRefused as exc:
                if exc.status != 403:
                    raise
                key_file.unlink(missing_ok=True)  # an id the edge does not know (it restarted): ask again
        raise EmoshieldError("the edge refused every enrolment id it issued")

    def send_audio(self, files: Sequence[Path], profile: Path, progress: Callable[[int], None] = lambda n: None) -> list[Outcome]:
        """Upload each file to the edge, which extracts the features; the enrolment id the edge issued lives
        beside the profile (0600), and a new one is asked for when the edge no longer knows it."""
        key_file = profile.with_suffix(".id")
        outcomes = []
        for file in files:
            outcome = Outcome(str(file))
            try:
                data = Path(file).read_bytes()
                reply = self._upload(data, key_file)
            except (OSError, EmoshieldError) as exc:
                outcome.note = str(exc)
            else:
                if reply["result"] is None:
                    enrolled = reply["enrolment"]
                    outcome.status, outcome.note = "enrolling", f"enrolling {enrolled['count']} of {enrolled['of']}"
                else:
                    _fill(outcome, reply["result"], len(data), "audio file")
                outcome.note = "; ".join([outcome.note, *reply.get("notes", [])]).strip("; ")
            outcomes.append(outcome)
            progress(1)
        return outcomes


def _stored_id(key_file: Path) -> str | None:
    return key_file.read_text().strip() if key_file.exists() else None


def _fill(outcome: Outcome, result: dict, sent: int, what: str) -> None:
    decision, cloud = result["decision"], result["to_cloud"]
    outcome.status = "decided"
    outcome.label, outcome.confidence = decision["label"], float(decision["confidence"])
    outcome.sent_bytes, outcome.sent_what = sent, what
    outcome.cloud_bytes = int(result["to_cloud_bytes"])
    outcome.cloud_what = f"code: {cloud['latent']} {cloud['dtype']} from encoder {cloud['encoder_id']}"
