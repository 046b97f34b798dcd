"""Checks of the OpenAPI document (Sources/HirebaseApp/Resources/openapi.json).

    python3 scripts/interop/openapi_check.py [--file PATH] [BASE_URL]

Without BASE_URL: validates the document (OpenAPI 3.1, with openapi-spec-validator).
With BASE_URL (e.g. http://127.0.0.1:8080) of a running server, also:
  - `GET {base}/openapi.json` answers the same JSON as the file;
  - every path + method of the document is routed: called without any token (ids replaced by a
    malformed value, POSTs with `{}`), it must not answer like an unknown route (404 with the same
    `code` and `detail` as a path that certainly does not exist), its status must be one the
    document lists for that operation, and it must carry `X-Request-Id`.
Prints `PASS name` / `FAIL name: why` per check, then a summary; exits 1 when anything failed.
Needs python3 and openapi-spec-validator (scripts/interop/requirements.txt)."""

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "Sources" / "HirebaseApp" / "Resources" / "openapi.json"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MALFORMED_ID = "not-a-uuid"
TIMEOUT_SECONDS = 10


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, name):
        self.passed += 1
        print(f"PASS {name}", flush=True)

    def fail(self, name, why):
        self.failed += 1
        print(f"FAIL {name}: {' | '.join(str(why).splitlines())}", flush=True)


def call(base, method, path, body=None):
    """One request without credentials. Returns (status, headers with lower-cased names, parsed
    JSON or None); raises OSError when the server cannot be reached."""
    data = None
    headers = {"Accept": "application/json"}
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status, raw, hdrs = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, hdrs = error.code, error.read(), error.headers
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, {k.lower(): v for k, v in hdrs.items()}, parsed


def first_difference(a, b, where=""):
    """JSON pointer of the first place where a and b differ (None when equal)."""
    if type(a) is not type(b):
        return where or "/"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{where}/{key}"
            found = first_difference(a[key], b[key], f"{where}/{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where} (length {len(a)} vs {len(b)})"
        for index, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{where}/{index}")
            if found:
                return found
        return None
    return None if a == b else (where or "/")


def check_document(report, doc):
    name = "document is valid OpenAPI 3.1"
    if not str(doc.get("openapi", "")).startswith("3.1"):
        report.fail(name, f"openapi is {doc.get('openapi')!r}, expected 3.1.x")
        return
    try:
        from openapi_spec_validator import OpenAPIV31SpecValidator
    except ImportError:
        report.fail(name, "openapi-spec-validator is not installed (pip install -r scripts/interop/requirements.txt)")
        return
    errors = list(OpenAPIV31SpecValidator(doc).iter_errors())
    if errors:
        shown = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '/'}: {e.message}"[:300] for e in errors[:5])
        report.fail(name, f"{len(errors)} error(s): {shown}")
    else:
        report.ok(name)


def check_served(report, base, doc):
    name = "GET /openapi.json serves the file"
    try:
        status, headers, served = call(base, "GET", "/openapi.json")
    except OSError as error:
        report.fail(name, f"{base} is not reachable: {error}")
        return False
    if status != 200:
        report.fail(name, f"status {status} (code {(served or {}).get('code') if isinstance(served, dict) else None})")
    elif served is None:
        report.fail(name, f"the body is not JSON (Content-Type {headers.get('content-type')})")
    elif served != doc:
        report.fail(name, f"differs from the file at {first_difference(doc, served)}")
    else:
        report.ok(name)
    return True


def check_routes(report, base, doc):
    # What the router answers for a path that certainly does not exist, per method.
    unrouted = {}
    for method in sorted({m.upper() for item in doc.get("paths", {}).values() for m in item if m in METHODS}):
        try:
            status, _, body = call(base, method, f"/__openapi_check_unrouted__/{uuid.uuid4()}", {} if method in ("POST", "PUT", "PATCH") else None)
        except OSError as error:
            report.fail(f"unknown route {method}", f"not reachable: {error}")
            return
        body = body if isinstance(body, dict) else {}
        if status != 404 or body.get("code") != "not_found":
            report.fail(f"unknown route {method}", f"expected 404 not_found, got {status} {body.get('code')}")
        unrouted[method] = (status, body.get("code"), body.get("detail"))

    for path, item in doc.get("paths", {}).items():
        for method in (m for m in item if m in METHODS):
            operation = item[method]
            verb = method.upper()
            name = f"route {verb} {path}"
            has_ids = "{" in path
            concrete = path
            for parameter in list(item.get("parameters", [])) + list(operation.get("parameters", [])):
                if "$ref" in parameter:
                    parameter = resolve(doc, parameter["$ref"])
                if parameter.get("in") == "path":
                    concrete = concrete.replace("{" + parameter["name"] + "}", MALFORMED_ID)
            if "{" in concrete:
                report.fail(name, "a path parameter is not declared")
                continue
            try:
                status, headers, body = call(base, verb, concrete, {} if verb in ("POST", "PUT", "PATCH") else None)
            except OSError as error:
                report.fail(name, f"not reachable: {error}")
                continue
            body = body if isinstance(body, dict) else {}
            problems = []
            if (status, body.get("code"), body.get("detail")) == unrouted.get(verb):
                problems.append(f"answered like an unknown route ({status} {body.get('code')}: {body.get('detail')})")
            else:
                documented = set(operation.get("responses", {}))
                if str(status) not in documented and "default" not in documented:
                    problems.append(f"status {status} ({body.get('code')}) is not documented (documented: {', '.join(sorted(documented))})")
                if has_ids and status not in (401, 404):
                    problems.append(f"with a malformed id expected 401 or 404, got {status}")
            if not headers.get("x-request-id"):
                problems.append("no X-Request-Id header")
            if problems:
                report.fail(name, "; ".join(problems))
            else:
                report.ok(f"{name} ({status})")


def resolve(doc, ref):
    node = doc
    for part in ref.lstrip("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_url", nargs="?", help="base URL of a running server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--file", default=str(DEFAULT_FILE), help=f"the document (default {DEFAULT_FILE})")
    args = parser.parse_args()

    report = Report()
    try:
        doc = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        report.fail("document is readable JSON", f"{args.file}: {error}")
        doc = None
    if isinstance(doc, dict):
        report.ok("document is readable JSON")
        check_document(report, doc)
        if args.base_url:
            base = args.base_url.rstrip("/")
            if check_served(report, base, doc):
                check_routes(report, base, doc)
    elif doc is not None:
        report.fail("document is readable JSON", "the top level is not an object")

    print(f"openapi_check: {report.passed} passed, {report.failed} failed", flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
