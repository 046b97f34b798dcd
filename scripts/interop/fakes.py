"""Loopback stand-ins for the services Hirebase calls: Supabase's JWKS endpoint, a Resend-style
email API and an OpenAI-compatible Chat Completions API. Each is a real HTTP server on 127.0.0.1
(port chosen by binding port 0) in a thread.

The Chat Completions fake also runs as a process of its own:
    python3 scripts/interop/fakes.py chat [--port N] [--api-key KEY] [--record FILE]
prints `AI_API_BASE=http://127.0.0.1:<port>/v1` on its first line and serves until stopped."""

import argparse
import base64
import json
import os
import re
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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
    def __init__(self, handler_cls, port=0):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler_cls)
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
        # Imported here so that `fakes.py chat` runs on a bare Python (no pip install needed).
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

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


CHAT_PATH = "/v1/chat/completions"
# Words in a job description (anywhere in the messages) that script the fake's answer.
BREAK_RULES = "FAKE_AI_BREAK_RULES"  # a draft that breaks the question rules
FAIL_500 = "FAKE_AI_500"  # 500 (the client retries twice, then Hirebase answers 502)
NOT_JSON = "FAKE_AI_NON_JSON"  # 200 with an HTML page
KINDS = ("single_choice", "multiple_choice", "text")


def _message_text(message):
    """A message's content as text (a string, or the text parts of a list of parts)."""
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _draft(prompt, break_rules):
    """An `assessment_draft` answer: `Question count: N` (default 10, 1..30) questions cycling
    through `Kinds: a, b` (default all three) as read from `prompt`; with `break_rules`, a draft
    that breaks the question rules (a duplicate id, a key not among the choices, points 0, one
    question fewer than asked)."""
    count = re.search(r"^\s*Question count:\s*(\d+)", prompt, re.M | re.I)
    count = min(max(int(count.group(1)), 1), 30) if count else 10
    kinds = re.search(r"^\s*Kinds:\s*(.+)$", prompt, re.M | re.I)
    kinds = [k.strip() for k in kinds.group(1).split(",") if k.strip() in KINDS] if kinds else []
    kinds = kinds or list(KINDS)
    questions = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        q = {"id": f"q{i + 1}", "kind": kind, "prompt": f"Question {i + 1} ({kind}): which option fits the role best?",
             "choices": None, "correct": None, "points": 1, "rubric": None}
        if kind == "single_choice":
            q.update(choices=["Option A", "Option B", "Option C"], correct=["Option B"])
        elif kind == "multiple_choice":
            q.update(choices=["Option A", "Option B", "Option C", "Option D"], correct=["Option A", "Option C"], points=2)
        else:
            q.update(prompt=f"Question {i + 1} (text): describe how you would approach the main task of this role.",
                     rubric="A full answer names a plan, a trade-off and how success is measured.", points=3)
        questions.append(q)
    if break_rules:
        questions[0].update(kind="single_choice", choices=["Option A", "Option B"], correct=["Option Z"], points=0, rubric=None)
        if len(questions) > 1:
            questions[1]["id"] = questions[0]["id"]
        questions = questions[:-1] if len(questions) > 1 else questions
    return {"title": "Draft assessment", "questions": questions}


def _grades(prompt):
    """An `answer_grades` answer: for each `Question id: X` line of `prompt`, the `Max points: P`
    line that follows it gives points P/2, with a rationale."""
    grades = []
    for match in re.finditer(r"^\s*Question id:\s*(\S+)\s*$(?:(?!^\s*Question id:).)*?^\s*Max points:\s*([0-9.]+)",
                             prompt, re.M | re.I | re.S):
        points = float(match.group(2)) / 2
        grades.append({"questionId": match.group(1), "points": int(points) if points.is_integer() else points,
                       "rationale": "Covers part of the rubric: half the points (fake provider)."})
    return {"grades": grades}


class _ChatHandler(_QuietHandler):
    def send_openai_error(self, status, message, kind, code=None):
        self.send_json(status, {"error": {"message": message, "type": kind, "param": None, "code": code}})

    def do_POST(self):
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.split("?")[0] != CHAT_PATH:
            return self.send_openai_error(404, f"Unknown path {self.path}", "invalid_request_error")
        if owner.api_key and self.headers.get("Authorization") != f"Bearer {owner.api_key}":
            return self.send_openai_error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
        try:
            body = json.loads(raw)
        except ValueError:
            return self.send_openai_error(400, "The body is not JSON.", "invalid_request_error")
        owner.record(raw.decode("utf-8", "replace"), body,
                     {k.lower(): v for k, v in self.headers.items() if k.lower() != "authorization"})
        messages = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(messages, list) or not messages or not body.get("model"):
            return self.send_openai_error(400, "`model` and `messages` are required.", "invalid_request_error")
        everything = "\n".join(_message_text(m) for m in messages)
        users = [_message_text(m) for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        prompt = users[-1] if users else everything
        if FAIL_500 in everything:
            return self.send_openai_error(500, "The server had an error while processing your request.", "server_error")
        if NOT_JSON in everything:
            page = b"<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            return self.wfile.write(page)
        fmt = body.get("response_format") or {}
        name = (fmt.get("json_schema") or {}).get("name") if fmt.get("type") == "json_schema" else None
        if name == "assessment_draft":
            answer = _draft(prompt, BREAK_RULES in everything)
        elif name == "answer_grades":
            answer = _grades(prompt)
        else:
            return self.send_openai_error(400, f"The fake knows no json_schema named {name!r}.", "invalid_request_error")
        content = json.dumps(answer)
        self.send_json(200, {
            "id": "chatcmpl-" + uuid.uuid4().hex[:24], "object": "chat.completion", "created": int(time.time()),
            "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": None},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": max(1, len(everything) // 4), "completion_tokens": max(1, len(content) // 4),
                      "total_tokens": max(1, len(everything) // 4) + max(1, len(content) // 4)},
        })


class ChatServer(_LoopbackServer):
    """OpenAI-compatible `POST /v1/chat/completions` (`api_base` is the AI_API_BASE to give Hirebase).

    Answers from the request alone: json_schema `assessment_draft` -> a valid draft honouring the
    last user message's `Question count: N` and `Kinds: a, b` lines (`{"title", "questions": [{"id",
    "kind", "prompt", "choices", "correct", "points", "rubric"}]}`, nulls where a field does not
    apply); `answer_grades` -> `{"grades": [{"questionId", "points": P/2, "rationale"}]}` for each
    `Question id: X` / `Max points: P` pair; any other name -> 400. FAKE_AI_BREAK_RULES anywhere in
    the messages gives a draft that breaks the question rules, FAKE_AI_500 a 500, FAKE_AI_NON_JSON a
    200 HTML page. With `api_key`, a request without that bearer key is 401. Every accepted request
    is kept (`requests`) and, with `record_path` (default: env FAKE_AI_RECORD), appended to that
    file as one JSON line `{"at", "headers", "body"}` (the Authorization header left out)."""

    def __init__(self, api_key=None, record_path=None, port=0):
        self.api_key = api_key
        self.record_path = record_path or os.environ.get("FAKE_AI_RECORD") or None
        self.lock = threading.Lock()
        self.requests = []
        super().__init__(_ChatHandler, port)
        self.api_base = self.base_url + "/v1"

    def record(self, raw, body, headers):
        entry = {"at": time.time(), "headers": headers, "body": body}
        with self.lock:
            self.requests.append(dict(entry, raw=raw))
            if self.record_path:
                with open(self.record_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(entry) + "\n")

    def bodies_containing(self, needle):
        """Raw request bodies that contain needle (e.g. a candidate's name or e-mail)."""
        with self.lock:
            return [r["raw"] for r in self.requests if needle in r["raw"]]

    def schema_names(self):
        with self.lock:
            return [((r["body"].get("response_format") or {}).get("json_schema") or {}).get("name") for r in self.requests]


def _serve_chat(argv):
    parser = argparse.ArgumentParser(prog="fakes.py chat", description="Serve the fake Chat Completions API until stopped.")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--api-key", default=os.environ.get("FAKE_AI_API_KEY"), help="bearer key required (default: none)")
    parser.add_argument("--record", default=os.environ.get("FAKE_AI_RECORD"), help="append each request as a JSON line here")
    args = parser.parse_args(argv)
    server = ChatServer(api_key=args.api_key, record_path=args.record, port=args.port)
    print(f"AI_API_BASE={server.api_base}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.close()


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "chat":
        sys.exit("usage: fakes.py chat [--port N] [--api-key KEY] [--record FILE]")
    _serve_chat(sys.argv[2:])
