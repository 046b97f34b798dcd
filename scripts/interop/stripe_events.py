"""Stripe webhook deliveries for the checks: event bodies built from the shapes in
shared/fixtures/stripe (ids, metadata and timestamps replaced), and `Stripe-Signature` headers made
by the official `stripe` package's own signing code (`stripe.WebhookSignature`), not a
re-implementation of it."""

import copy
import json
import secrets
import string
from pathlib import Path

import stripe

# Since 2025-03-31 ("basil") the period lives on the subscription items and an invoice's
# subscription under parent.subscription_details: the shape these events have.
API_VERSION = "2025-03-31.basil"
TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE  # 300 s, the libraries' default

FIXTURES = {
    "event": "stripe-openapi_fixtures3_event__plan.created.json",
    "subscription": "stripe-openapi_fixtures3_object__subscription.json",
    "invoice_payment_failed": "pay-rails_event-data__invoice.payment_failed.json",
}


def _rand(n):
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


def new_id(prefix):
    return f"{prefix}_{_rand(24)}"


def new_secret():
    return "whsec_" + _rand(32)


def sign(body: bytes, secret: str, timestamp: int = None) -> str:
    """`Stripe-Signature` for body, computed by stripe-python (t=<ts>,v1=<hex HMAC-SHA256>)."""
    return stripe.WebhookSignature.generate_signature_header(body.decode("utf-8"), secret, timestamp=timestamp)


def sign_many(body: bytes, secrets_, timestamp: int) -> str:
    """One header with a v1 signature per secret (as Stripe sends while a secret is rolled)."""
    headers = [sign(body, s, timestamp) for s in secrets_]
    return f"t={timestamp}," + ",".join(h.split(",", 1)[1] for h in headers)


def library_accepts(body: bytes, header: str, secret: str) -> bool:
    """Whether stripe-python's own verifier accepts the delivery (a self-check of the sender)."""
    try:
        stripe.WebhookSignature.verify_header(body, header, secret, TOLERANCE)
        return True
    except stripe.SignatureVerificationError:
        return False


def body_of(event: dict) -> bytes:
    """Stripe sends pretty-printed UTF-8 JSON; the signature covers these exact bytes."""
    return json.dumps(event, indent=2, ensure_ascii=False).encode("utf-8")


class StripeFixtures:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.missing = [f for f in FIXTURES.values() if not (self.folder / f).exists()]
        self._data = {} if self.missing else {k: json.loads((self.folder / f).read_text())
                                                for k, f in FIXTURES.items()}

    def _fixture(self, key):
        return copy.deepcopy(self._data[key])

    def envelope(self, event_type, created, data, event_id=None):
        """An event envelope shaped like Stripe's event fixture."""
        ev = self._fixture("event")
        ev.update({
            "id": event_id or new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": created,
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": new_id("req"), "idempotency_key": None},
            "type": event_type,
        })
        return ev

    def plan_created(self, created, event_id=None):
        """Stripe's plan.created fixture event (a type Hirebase does not handle), fresh id/time."""
        ev = self._fixture("event")
        ev["data"]["object"]["id"] = new_id("price")
        ev["data"]["object"]["created"] = created
        ev.update({"id": event_id or new_id("evt"), "created": created})
        return ev

    def subscription(self, *, sub_id, customer_id, item_id, user_id, status, price_id, amount,
                     period_start, period_end, sub_created, cancel_at_period_end=False):
        """Stripe's subscription fixture object (basil shape: the period on the item)."""
        s = self._fixture("subscription")
        s.update({
            "id": sub_id,
            "customer": customer_id,
            "metadata": {"user_id": user_id},
            "status": status,
            "created": sub_created,
            "start_date": sub_created,
            "billing_cycle_anchor": period_start,
            "cancel_at_period_end": cancel_at_period_end,
            "cancel_at": period_end if cancel_at_period_end else None,
            "canceled_at": None,
            "ended_at": None,
            "trial_start": None,
            "trial_end": None,
            "pause_collection": None,
            "pending_update": None,
            "next_pending_invoice_item_invoice": None,
            "transfer_data": None,
            "latest_invoice": None,
        })
        s["items"]["url"] = f"/v1/subscription_items?subscription={sub_id}"
        item = s["items"]["data"][0]
        item.update({
            "id": item_id,
            "subscription": sub_id,
            "created": sub_created,
            "current_period_start": period_start,
            "current_period_end": period_end,
            "metadata": {},
        })
        item["price"].update({"id": price_id, "created": sub_created, "unit_amount": amount,
                              "unit_amount_decimal": str(amount), "product": new_id("prod")})
        item["plan"].update({"id": price_id, "created": sub_created, "amount": amount,
                             "amount_decimal": str(amount), "currency": "usd", "interval_count": 1,
                             "billing_scheme": "per_unit", "livemode": False, "metadata": {},
                             "product": item["price"]["product"], "transform_usage": None})
        return s

    def subscription_event(self, event_type, event_created, previous_attributes=None, event_id=None, **sub):
        """`sub`: the arguments of subscription(); event_created: the event's `created`."""
        data = {"object": self.subscription(**sub)}
        if previous_attributes is not None:
            data["previous_attributes"] = previous_attributes
        return self.envelope(event_type, event_created, data, event_id)

    def invoice_payment_failed(self, *, created, sub_id, customer_id, item_id, price_id, amount,
                               period_start, period_end, event_id=None):
        """pay-rails' captured invoice.payment_failed data (basil shape), our ids and times."""
        data = self._fixture("invoice_payment_failed")
        inv = data["object"]
        inv_id = new_id("in")
        inv.update({
            "id": inv_id,
            "customer": customer_id,
            "customer_email": "billing@example.com",
            "customer_name": "Zoë Example",  # non-ASCII: the signature covers raw UTF-8 bytes
            "created": created,
            "effective_at": created,
            "webhooks_delivered_at": created,
            "next_payment_attempt": created + 3 * 86400,
            "amount_due": amount, "amount_remaining": amount, "subtotal": amount,
            "subtotal_excluding_tax": amount, "total": amount, "total_excluding_tax": amount,
            "period_start": period_start,
            "period_end": period_start,
            "livemode": False,
            "number": f"HB-{_rand(8).upper()}-0001",
        })
        inv["status_transitions"]["finalized_at"] = created
        inv["parent"]["subscription_details"] = {"metadata": {}, "subscription": sub_id}
        inv["lines"]["url"] = f"/v1/invoices/{inv_id}/lines"
        line = inv["lines"]["data"][0]
        line.update({"id": new_id("il"), "invoice": inv_id, "amount": amount, "livemode": False,
                     "metadata": {}, "description": "1 × Hirebase Pro (at $49.00 / month)",
                     "period": {"start": period_start, "end": period_end}})
        line["parent"]["subscription_item_details"].update({"subscription": sub_id, "subscription_item": item_id})
        line["pricing"]["price_details"] = {"price": price_id, "product": new_id("prod")}
        line["pricing"]["unit_amount_decimal"] = str(amount)
        return self.envelope("invoice.payment_failed", created, data, event_id)
