"""Regenerates the cross-check fixtures in this folder with Stripe's official Python library.

Run from this folder with the `stripe` package installed (see ../SOURCES.md for the versions used):
    python3 -m venv /tmp/stripe-venv && /tmp/stripe-venv/bin/pip install stripe
    /tmp/stripe-venv/bin/python generate.py

Every header below is produced by stripe-python itself (`WebhookSignature.generate_signature_header`
or `WebhookSignature._compute_signature`), and every verdict in manifest.json is what stripe-python's
`WebhookSignature.verify_header` answered for that payload, header and secret. Secrets and
timestamps are fixed so that the output is identical on every run.
"""
import json
import pathlib
import platform
from unittest import mock

import stripe
from stripe import WebhookSignature

HERE = pathlib.Path(__file__).parent

SECRET_1 = "whsec_hirebaseTestSecretOne0000000000001"
SECRET_OLD = "whsec_hirebaseTestSecretOld0000000000002"
SECRET_NEW = "whsec_hirebaseTestSecretNew0000000000003"
SECRET_3 = "whsec_hirebaseTestSecretThree00000000004"
SECRET_WRONG = "whsec_hirebaseTestSecretWrong00000000005"

T1 = 1767618062  # 2026-01-05T13:01:02Z
T2 = 1770296460  # 2026-02-05T13:01:00Z
T3 = 1772715660  # 2026-03-05T13:01:00Z

# payload-1: one of the project's own event fixtures, byte for byte (pretty-printed, ASCII, final newline).
payload_1 = (HERE.parent / "events" / "checkout.session.completed__2025-03-31.basil.json").read_bytes()
(HERE / "payload-1.json").write_bytes(payload_1)

# payload-2: compact JSON with raw non-ASCII UTF-8 and an escaped code point, no final newline.
payload_2 = (
    '{"id":"evt_1RbHm0HbTest0000SubUpd002","object":"event","type":"customer.subscription.updated",'
    '"created":1770296460,"data":{"object":{"id":"sub_1RbHk1HbTest0000Subscr02","object":"subscription",'
    '"status":"active","metadata":{"company":"Zoë & Søren Ünïcødé GmbH — €","note":"caf\\u00e9"}}}}'
).encode("utf-8")
(HERE / "payload-2.json").write_bytes(payload_2)

# payload-3: CRLF line endings, a tab, trailing spaces and an emoji outside the BMP.
payload_3 = (
    '{\r\n\t"id": "evt_1RbHm1HbTest0000InvFail03",  \r\n\t"object": "event",\r\n'
    '\t"type": "invoice.payment_failed",\r\n\t"created": 1772715660,\r\n'
    '\t"data": {"object": {"id": "in_1RbHm0HbTest0000Invoice03", "object": "invoice", '
    '"description": "Renewal 🚀 failed"}}\r\n}\r\n'
).encode("utf-8")
(HERE / "payload-3.json").write_bytes(payload_3)


TOLERANCE = 300  # Webhook.DEFAULT_TOLERANCE, what Webhook.construct_event passes


def verdict(payload: bytes, header: str, secret: str, now: int) -> str:
    # The clock stripe-python reads (time.time() inside stripe._webhook) is pinned to `now`, so
    # the verdict, tolerance check included, is the same on every run; the Swift test passes the
    # same `now` and tolerance.
    with mock.patch("stripe._webhook.time.time", return_value=float(now)):
        try:
            WebhookSignature.verify_header(payload, header, secret, tolerance=TOLERANCE)
            return "valid"
        except stripe.SignatureVerificationError as error:
            return str(error.user_message or error)


def case(name, payload_file, payload, header, timestamp, secrets, now=None):
    now = timestamp + 5 if now is None else now
    return {
        "name": name,
        "payload": payload_file,
        "header": header,
        "timestamp": timestamp,
        "now": now,
        "tolerance": TOLERANCE,
        "secrets": secrets,
        "python": {secret: verdict(payload, header, secret, now) for secret in secrets},
    }


header_1 = WebhookSignature.generate_signature_header(payload_1.decode("utf-8"), SECRET_1, timestamp=T1)

signed_2 = f"{T2}.{payload_2.decode('utf-8')}"
header_2 = ",".join([
    f"t={T2}",
    f"v1={WebhookSignature._compute_signature(signed_2, SECRET_OLD)}",
    f"v1={WebhookSignature._compute_signature(signed_2, SECRET_NEW)}",
    # Stripe also sends a v0 signature from its legacy scheme in test mode; libraries ignore it.
    f"v0={WebhookSignature._compute_signature(signed_2, 'whsec_legacy_v0_scheme')}",
])

header_3 = WebhookSignature.generate_signature_header(payload_3.decode("utf-8"), SECRET_3, timestamp=T3)
header_3_wrong = WebhookSignature.generate_signature_header(payload_3.decode("utf-8"), SECRET_WRONG, timestamp=T3)

cases = [
    # Accepted by stripe-python.
    case("python-generated header, pretty ASCII payload", "payload-1.json", payload_1, header_1, T1, [SECRET_1]),
    case("two v1 (old and new secret) plus v0, UTF-8 payload, verifier holds the new secret", "payload-2.json", payload_2, header_2, T2, [SECRET_NEW]),
    case("two v1 plus v0, verifier holds the old secret", "payload-2.json", payload_2, header_2, T2, [SECRET_OLD]),
    case("python-generated header, CRLF and emoji payload, second configured secret matches", "payload-3.json", payload_3, header_3, T3, [SECRET_WRONG, SECRET_3]),
    case("exactly 300 s old", "payload-1.json", payload_1, header_1, T1, [SECRET_1], now=T1 + 300),
    case("timestamp an hour in the future", "payload-1.json", payload_1, header_1, T1, [SECRET_1], now=T1 - 3600),
    # Refused by stripe-python.
    case("header of payload-1 on payload-2", "payload-2.json", payload_2, header_1, T1, [SECRET_1]),
    case("signed with another secret", "payload-3.json", payload_3, header_3_wrong, T3, [SECRET_3]),
    case("no v1 element", "payload-1.json", payload_1, f"t={T1},v0={header_1.split('v1=')[1]}", T1, [SECRET_1]),
    case("no timestamp", "payload-1.json", payload_1, f"v1={header_1.split('v1=')[1]}", T1, [SECRET_1]),
    case("301 s old", "payload-1.json", payload_1, header_1, T1, [SECRET_1], now=T1 + 301),
]

manifest = {
    "generator": "generate.py",
    "python": platform.python_version(),
    "stripe": stripe.VERSION,
    "cases": cases,
}
(HERE / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
print(json.dumps(manifest, indent=2, ensure_ascii=False))
