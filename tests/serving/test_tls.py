"""TLS on both hops with a certificate authority made here; a client without the CA is refused."""

from __future__ import annotations

import datetime
import ipaddress
import json
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.serving.conftest import TOKENS, cli, device, start


def _pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def make_pki(folder: Path) -> tuple[Path, Path, Path]:
    """A CA certificate, and a certificate and key for 127.0.0.1 that it signed."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "emoshield test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(_pem(key))
    return paths


def test_both_hops_over_tls(artifacts, tmp_path):
    ca, cert, key = make_pki(tmp_path)
    tls = ("--ssl-certfile", str(cert), "--ssl-keyfile", str(key))
    cloud = start(tmp_path, "cloud", "cloud", "--model", str(artifacts.cloud), *tls)
    edge = start(tmp_path, "edge", "edge", "--encoder", str(artifacts.onnx), "--cloud-url", cloud.url, "--cloud-ca-file", str(ca), *tls)
    blind = start(tmp_path, "blind", "edge", "--encoder", str(artifacts.onnx), "--cloud-url", cloud.url)  # trusts only the system CAs
    try:
        assert cloud.url.startswith("https://") and edge.url.startswith("https://")
        files = [str(w) for w in artifacts.wavs[:3]]
        done = cli("send", *files, "--edge", edge.url, "--ca-file", str(ca), "--profile", str(tmp_path / "p.json"), "--json", env=TOKENS)
        assert all(json.loads(line)["label"] for line in done.stdout.splitlines())
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
