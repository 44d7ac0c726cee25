"""Fixtures for anchor sinks: a local RFC 3161 TSA built on `openssl ts`."""

import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import tsp
from cryptography import x509

TSA_CONFIG = """\
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = {dir}
serial = {dir}/serial
crypto_device = builtin
signer_cert = {dir}/tsa.crt
certs = {dir}/ca.crt
signer_key = {dir}/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
other_policies = 1.3.6.1.4.1.99999.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(directory: Path, name: str = "Test") -> None:
    """A root CA and a TSA certificate with a critical timeStamping extended key usage."""
    directory.mkdir(parents=True, exist_ok=True)
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-subj",
        f"/CN={name} Root CA",
        "-days",
        "2",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "tsa.key",
        "-out",
        "tsa.csr",
        "-subj",
        f"/CN={name} TSA",
        cwd=directory,
    )
    (directory / "ext.cnf").write_text(
        "extendedKeyUsage=critical,timeStamping\n"
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,nonRepudiation\n"
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        "tsa.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "tsa.crt",
        "-days",
        "1",
        "-extfile",
        "ext.cnf",
        cwd=directory,
    )
    (directory / "serial").write_text("01\n")
    (directory / "tsa.cnf").write_text(TSA_CONFIG.format(dir=directory))


@dataclass
class LocalTsa:
    """A loopback HTTP TSA. ``mode`` bends its replies to test the verifier."""

    url: str
    directory: Path
    mode: str = "honest"
    requests: list[bytes] = field(default_factory=list)

    @property
    def root(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate((self.directory / "ca.crt").read_bytes())

    def reply(self, query: bytes) -> bytes:
        self.requests.append(query)
        if self.mode == "wrong_imprint":
            request = tsp.TimeStampReq.load(query)
            digest = bytearray(request["message_imprint"]["hashed_message"].native)
            digest[0] ^= 1
            request["message_imprint"]["hashed_message"] = bytes(digest)
            query = request.dump(force=True)
        if self.mode == "wrong_nonce":
            request = tsp.TimeStampReq.load(query)
            request["nonce"] = request["nonce"].native + 1
            query = request.dump(force=True)
        query_file = self.directory / f"q{len(self.requests)}.tsq"
        reply_file = self.directory / f"r{len(self.requests)}.tsr"
        query_file.write_bytes(query)
        _openssl(
            "ts",
            "-reply",
            "-config",
            str(self.directory / "tsa.cnf"),
            "-queryfile",
            str(query_file),
            "-out",
            str(reply_file),
            cwd=self.directory,
        )
        reply = bytearray(reply_file.read_bytes())
        if self.mode == "tampered":
            reply[-1] ^= 1
        return bytes(reply)


@pytest.fixture
def local_tsa(tmp_path):
    """Start a TSA on 127.0.0.1 for one test."""
    make_pki(tmp_path / "pki")
    tsa = LocalTsa(url="", directory=tmp_path / "pki")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers["Content-Type"] != "application/timestamp-query":
                self.send_response(415)
                self.end_headers()
                return
            reply = tsa.reply(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    tsa.url = f"http://127.0.0.1:{server.server_port}/tsa"
    yield tsa
    server.shutdown()
    server.server_close()


@pytest.fixture
def foreign_tsa_root(tmp_path):
    """The root certificate of an unrelated PKI."""
    make_pki(tmp_path / "foreign", "Foreign")
    return x509.load_pem_x509_certificate((tmp_path / "foreign" / "ca.crt").read_bytes())


@pytest.fixture
def make_document(container):
    """Store a document and record its acceptance event, as intake does."""
    import hashlib
    import json

    from app.domain.hashing import jcs
    from app.services.common.events import record_event
    from app.storage.models import Document

    def make(provider, owner, body: dict | None = None):
        body = body or {"transportDocumentReference": "TD-1", "amount": 12.5}
        content = json.dumps(body, indent=2).encode()
        canonical = hashlib.sha256(jcs(body)).hexdigest()
        raw = hashlib.sha256(content).hexdigest()
        with container.uow() as uow:
            document = Document(
                doc_type="dcsa.ebl",
                version="3.0.3",
                media_type="application/json",
                owner_id=owner.id,
                provider_id=provider.id,
                reference="TD-1",
                size=len(content),
                sha256=raw,
                canonical_sha256=canonical,
                content=content,
                provenance={},
            )
            uow.session.add(document)
            uow.session.flush()
            record_event(
                uow.session,
                kind="document.accepted",
                actor=f"participant:{provider.id}",
                subject=f"document:{document.id}",
                payload={
                    "document_id": str(document.id),
                    "sha256": raw,
                    "canonical_sha256": canonical,
                },
                participant_ids=[provider.id, owner.id],
            )
            uow.commit()
        return document.id, content

    return make


@pytest.fixture
def tsa_container(settings, local_tsa):
    """A hub that anchors to the local TSA and trusts its root."""
    from app.container import Container

    tuned = settings.model_copy(
        update={
            "ledger_anchor_urls": ["rfc3161+" + local_tsa.url],
            "ledger_tsa_roots": local_tsa.directory / "ca.crt",
        }
    )
    container = Container(tuned)
    yield container
    container.close()
