"""Loopback stand-ins for the services Hirebase calls: Supabase's JWKS endpoint and a Resend-style
email API. Each is a real HTTP server on 127.0.0.1 (port chosen by binding port 0) in a thread."""

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

JWKS_PATH = "/auth/v1/.well-known/jwks.json"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class _QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep the report readable
        pass

    def send_json(self, status, obj, extra_headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


class _LoopbackServer:
    def __init__(self, handler_cls):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_cls)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def es256_public_jwk(public_key, kid):
    """The JWK shape Supabase publishes for its ES256 signing keys."""
    nums = public_key.public_numbers()
    return {
        "alg": "ES256",
        "crv": "P-256",
        "ext": True,
        "key_ops": ["verify"],
        "kid": kid,
        "kty": "EC",
        "use": "sig",
        "x": b64url(nums.x.to_bytes(32, "big")),
        "y": b64url(nums.y.to_bytes(32, "big")),
    }


class _JwksHandler(_QuietHandler):
    def do_GET(self):
        owner = self.server.owner
        with owner.lock:
            owner.requests.append(self.path)
        if self.path.split("?")[0] != JWKS_PATH:
            return self.send_json(404, {"error": "not found"})
        self.send_json(200, {"keys": [owner.jwk]}, {"Cache-Control": "public, max-age=600"})


class JwksServer(_LoopbackServer):
    """Serves {"keys": [<ES256 public JWK>]} at /auth/v1/.well-known/jwks.json; counts fetches."""

    def __init__(self, kid="interop-es256"):
        self.kid = kid
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.jwk = es256_public_jwk(self.private_key.public_key(), kid)
        self.public_pem = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.lock = threading.Lock()
        self.requests = []
        super().__init__(_JwksHandler)

    def fetch_count(self):
        with self.lock:
            return sum(1 for p in self.requests if p.split("?")[0] == JWKS_PATH)


class _MailHandler(_QuietHandler):
    def do_POST(self):
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.split("?")[0] != "/emails":
            return self.send_json(404, {"statusCode": 404, "name": "not_found", "message": "Not found"})
        if self.headers.get("Authorization") != f"Bearer {owner.api_key}":
            owner.record_rejected("bad or missing Authorization")
            return self.send_json(401, {"statusCode": 401, "name": "missing_api_key",
                                        "message": "Missing or invalid API key"})
        try:
            msg = json.loads(raw)
        except ValueError:
            owner.record_rejected("body is not JSON")
            return self.send_json(422, {"statusCode": 422, "name": "validation_error", "message": "Invalid JSON"})
        missing = [k for k in ("from", "to", "subject") if not msg.get(k)]
        if not (msg.get("html") or msg.get("text")):
            missing.append("html|text")
        if missing:
            owner.record_rejected(f"missing {missing}")
            return self.send_json(422, {"statusCode": 422, "name": "validation_error",
                                        "message": f"Missing fields: {missing}"})
        message_id = str(uuid.uuid4())
        owner.record(message_id, msg, {k.lower(): v for k, v in self.headers.items() if k.lower() != "authorization"})
        self.send_json(200, {"id": message_id})


class MailServer(_LoopbackServer):
    """Resend-style `POST /emails` (Bearer key) -> 200 {"id"}; keeps every accepted message."""

    def __init__(self, api_key):
        self.api_key = api_key
        self.lock = threading.Lock()
        self.messages = []
        self.rejected = []
        super().__init__(_MailHandler)

    def record(self, message_id, msg, headers):
        with self.lock:
            self.messages.append({"id": message_id, "json": msg, "headers": headers, "at": time.time()})

    def record_rejected(self, why):
        with self.lock:
            self.rejected.append(why)

    def matching(self, needle):
        """Accepted messages whose text or html contains needle."""
        with self.lock:
            return [m for m in self.messages
                    if needle in (m["json"].get("text") or "") or needle in (m["json"].get("html") or "")]

    def wait_for(self, needle, timeout):
        deadline = time.time() + timeout
        while True:
            found = self.matching(needle)
            if found or time.time() >= deadline:
                return found
            time.sleep(0.2)
