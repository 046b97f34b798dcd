"""A small HTTP/JSON client for the checks. Every response is also checked against the contract's
conventions (X-Request-Id on every response; errors as {"detail", "code", "requestId"}), and
violations are collected for one summary check at the end."""

import http.client
import json
import re
import threading
from urllib.parse import urlsplit

_TOKEN_QS = re.compile(r"(token=)[^&\s]+")


def redact(path: str) -> str:
    """Hide invitation tokens in query strings before a path is printed."""
    return _TOKEN_QS.sub(r"\1<redacted>", path)


class Response:
    def __init__(self, method, path, status, headers, body):
        self.method = method
        self.path = path
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def header(self, name):
        return self.headers.get(name.lower())

    def describe(self, limit=400):
        text = self.body.decode("utf-8", "replace")
        text = _TOKEN_QS.sub(r"\1<redacted>", text)
        if len(text) > limit:
            text = text[:limit] + "..."
        return f"{self.method} {redact(self.path)} -> {self.status} {text}".replace("\n", " ")


class ConventionLog:
    """Collects responses that break the error-body / X-Request-Id conventions."""

    def __init__(self):
        self.lock = threading.Lock()
        self.responses = 0
        self.errors = 0
        self.missing_request_id = []
        self.bad_error_bodies = []

    def observe(self, r: Response):
        problems = []
        rid = r.header("x-request-id")
        with self.lock:
            self.responses += 1
            if not rid:
                self.missing_request_id.append(f"{r.method} {redact(r.path)} -> {r.status}")
            if r.status >= 400:
                self.errors += 1
                j = r.json
                if not isinstance(j, dict):
                    problems.append("body is not a JSON object")
                else:
                    for key in ("detail", "code", "requestId"):
                        if not isinstance(j.get(key), str) or not j.get(key):
                            problems.append(f"no string {key!r}")
                    if isinstance(j.get("code"), str) and not re.fullmatch(r"[a-z][a-z0-9_]*", j["code"]):
                        problems.append(f"code {j['code']!r} is not snake_case")
                    if rid and isinstance(j.get("requestId"), str) and j["requestId"] != rid:
                        problems.append("requestId differs from X-Request-Id")
                ctype = (r.header("content-type") or "").split(";")[0].strip()
                if ctype != "application/json":
                    problems.append(f"Content-Type {ctype or 'missing'}")
                if problems:
                    self.bad_error_bodies.append(f"{r.describe(200)} [{'; '.join(problems)}]")


class Api:
    def __init__(self, base_url, conventions: ConventionLog, timeout=30):
        u = urlsplit(base_url)
        self.host, self.port = u.hostname, u.port
        self.base_url = base_url
        self.conventions = conventions
        self.timeout = timeout

    def request(self, method, path, token=None, body=None, headers=None, raw_body=None):
        h = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        elif raw_body is not None:
            data = raw_body
        if token:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=data, headers=h)
            resp = conn.getresponse()
            payload = resp.read()
            headers_out = {k.lower(): v for k, v in resp.getheaders()}
            r = Response(method, path, resp.status, headers_out, payload)
        finally:
            conn.close()
        self.conventions.observe(r)
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)
