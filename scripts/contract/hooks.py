"""schemathesis hooks for scripts/contract/contract.py (loaded through SCHEMATHESIS_HOOKS).

- Every request carries the seeded owner's bearer token (the CLI's -H), and every CSRF-guarded
  operation (those documenting the `X-CSRF-Token` header) a fresh token from `GET /csrf-token`,
  issued right before the call: tokens are single use.
- A `POST /webhooks/stripe` body is signed with the server's webhook secret (Stripe's scheme:
  `Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`) four times out of five,
  so that generated events reach the event handling behind the signature check.
- Path and query ids are, half of the time, ones the seed created, so that generated calls reach
  the logic behind the 404s. The seeded ids come from CONTRACT_SEED (a JSON file).
"""
import hashlib
import hmac
import json
import os
import random
import time
import urllib.request

import schemathesis

_seed = json.load(open(os.environ["CONTRACT_SEED"], encoding="utf-8"))
_random = random.Random(11)
_ID_NAMES = {"companyId": "companyId", "jobId": "jobId", "candidateId": "candidateId",
             "assessmentId": "assessmentId", "invitationId": "invitationId"}


def _fresh_csrf_token():
    req = urllib.request.Request(_seed["baseUrl"] + "/csrf-token",
                                 headers={"Authorization": "Bearer " + _seed["token"]})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["csrfToken"]


def _seeded(values):
    if not values:
        return values
    for name in list(values):
        if name in _ID_NAMES and _random.random() < 0.5:
            values[name] = _seed[_ID_NAMES[name]]
    return values


@schemathesis.hook
def map_path_parameters(ctx, path_parameters):
    return _seeded(path_parameters)


@schemathesis.hook
def map_query(ctx, query):
    return _seeded(query)


def _sign_webhook(case):
    if not isinstance(case.body, (bytes, dict, list, str, int, float, bool)) or _random.random() < 0.2:
        return  # no body (schemathesis' NotSet) or one left unsigned
    raw = case.body if isinstance(case.body, bytes) else json.dumps(case.body).encode()
    case.body = raw  # sent as these exact bytes, the ones signed
    t = str(int(time.time()))
    v1 = hmac.new(_seed["webhookSecret"].encode(), t.encode() + b"." + raw, hashlib.sha256).hexdigest()
    if case.headers is None:
        case.headers = {}
    case.headers["Stripe-Signature"] = f"t={t},v1={v1}"


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if case.operation.path == "/webhooks/stripe":
        _sign_webhook(case)
    guarded = any(p.name == "X-CSRF-Token" for p in case.operation.headers)
    if guarded:
        if case.headers is None:
            case.headers = {}
        case.headers["X-CSRF-Token"] = _fresh_csrf_token()
