"""TLS on both hops with a certificate authority made here; a client without the CA is refused."""

from __future__ import annotations

import json

from emoshield.certificates import make_pki
from tests.serving.conftest import TOKENS, cli, device, start


def test_both_hops_over_tls(artifacts, tmp_path):
    pki = make_pki(tmp_path)
    ca, cert, key = pki.ca, pki.cert, pki.key
    tls = ("--ssl-certfile", str(cert), "--ssl-keyfile", str(key))
    cloud = start(tmp_path, "cloud", "cloud", "--model", str(artifacts.cloud), "--workers", "2", *tls)  # TLS in each worker
    edge = start(tmp_path, "edge", "edge", "--encoder", str(artifacts.onnx), "--cloud-url", cloud.url, "--cloud-ca-file", str(ca),
                 "--min-enrolment", "2", *tls)
    blind = start(tmp_path, "blind", "edge", "--encoder", str(artifacts.onnx), "--cloud-url", cloud.url)  # trusts only the system CAs
    try:
        assert cloud.url.startswith("https://") and edge.url.startswith("https://")
        assert f"serving on {edge.url} (TLS)" in edge.log.read_text()
        assert f"serving on {cloud.url} (2 worker processes, TLS)" in cloud.log.read_text()
        files = [str(w) for w in artifacts.wavs[:3]]
        done = cli("send", *files, "--edge", edge.url, "--ca-file", str(ca), "--profile", str(tmp_path / "p.json"), "--json", env=TOKENS)
        assert [json.loads(line)["status"] for line in done.stdout.splitlines()] == ["enrolling", "enrolling", "decided"]
        refused = cli("send", *files, "--edge", edge.url, "--profile", str(tmp_path / "p.json"), env=TOKENS, check=False)
        assert refused.returncode == 1 and "CERTIFICATE_VERIFY_FAILED" in refused.stderr.replace("\n", "")
        with device(blind.url) as client:
            info = client.get("/v1/info").json()
            reply = client.post("/v1/features", json={"schema_version": 1, "feature_set": info["feature_set"],
                                                      "names_digest": info["names_digest"], "n_features": info["n_features"],
                                                      "values": _zeros(info["n_features"]), "standardised": True})
        assert reply.status_code == 502 and "cloud unreachable" in reply.json()["detail"]
    finally:
        for service in (blind, edge, cloud):
            service.stop()


def _zeros(n: int) -> str:
    import base64

    return base64.b64encode(bytes(4 * n)).decode()
