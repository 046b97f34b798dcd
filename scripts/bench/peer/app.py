"""The Python peer of `GET /subscription-status` (scripts/bench/run): what the earlier backend's
hottest read costs in FastAPI + PyJWT + asyncpg, on the same PostgreSQL database as Hirebase.

    PEER_DATABASE_URL=postgres://... PEER_JWT_SECRET=... PEER_PLANS_FILE=config/plans.json \\
        uvicorn --app-dir scripts/bench/peer app:app --workers 2

The same read as Hirebase's: the Supabase HS256 token verified (audience `authenticated`, `exp`
with 30 s leeway, `sub` a UUID), then ONE query for the user's stored subscription and the usage
of every feature in the current period (the paid subscription's period while it is active or
trialing, else the UTC calendar month), limits from the same plans file. The answer has the fields
of Hirebase's (`userId`, `plan`, `status`, `currentPeriodEnd`, `cancelAtPeriodEnd`, `periodStart`,
`periodEnd`, `usage`). No caches, as the earlier backend had none.
"""
import json
import os
import uuid
from contextlib import asynccontextmanager

import asyncpg
import jwt
from fastapi import FastAPI, Header, HTTPException, Query

SECRET = os.environ["PEER_JWT_SECRET"]
DSN = os.environ["PEER_DATABASE_URL"]
with open(os.environ["PEER_PLANS_FILE"]) as plans_file:
    PLANS = {plan["name"]: plan for plan in json.load(plans_file)["plans"]}
FREE = next(plan for plan in PLANS.values() if plan["priceId"] is None)
FEATURES = sorted({feature for plan in PLANS.values() for feature in plan["limits"]})

# One round trip: the subscription (if any), the period it puts the user in, and that period's usage.
QUERY = """
WITH sub AS (
    SELECT plan, status, current_period_start, current_period_end, cancel_at_period_end
    FROM subscriptions WHERE user_id = $1
), period AS (
    SELECT CASE WHEN sub.status IN ('active', 'trialing') AND sub.current_period_start <= now()
                     AND now() < sub.current_period_end
                THEN sub.current_period_start
                ELSE date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' END AS period_start,
           CASE WHEN sub.status IN ('active', 'trialing') AND sub.current_period_start <= now()
                     AND now() < sub.current_period_end
                THEN sub.current_period_end
                ELSE (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC' END AS period_end
    FROM (SELECT 1) AS one LEFT JOIN sub ON true
)
SELECT sub.plan, sub.status, sub.current_period_end, sub.cancel_at_period_end, period.period_start, period.period_end,
       (SELECT coalesce(json_object_agg(feature, used), '{}'::json) FROM usage_counters
         WHERE user_id = $1 AND period_start_us = (extract(epoch FROM period.period_start) * 1000000)::bigint)::text AS usage
FROM period LEFT JOIN sub ON true
"""

pool: asyncpg.Pool


@asynccontextmanager
async def lifespan(_app):
    global pool
    pool = await asyncpg.create_pool(DSN, min_size=2, max_size=10)
    yield
    await pool.close()


app = FastAPI(lifespan=lifespan)


def iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def authenticate(authorization):
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(401, "Missing bearer token")
    try:
        claims = jwt.decode(authorization[7:], SECRET, algorithms=["HS256"], audience="authenticated", leeway=30,
                            options={"require": ["exp", "sub"]})
        return claims, uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        raise HTTPException(401, "Invalid token")


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.get("/subscription-status")
async def subscription_status(authorization: str | None = Header(default=None), userId: uuid.UUID | None = Query(default=None)):
    claims, user_id = authenticate(authorization)
    if userId is not None and userId != user_id:
        if (claims.get("app_metadata") or {}).get("role") != "admin":
            raise HTTPException(403, "Not allowed")
        user_id = userId
    row = await pool.fetchrow(QUERY, user_id)
    status = row["status"]
    paying = status in ("active", "trialing")
    plan = PLANS.get(row["plan"]) if paying else FREE
    plan = plan or FREE
    used = json.loads(row["usage"])
    ended = status in ("canceled", "incomplete_expired")
    return {
        "userId": str(user_id),
        "plan": row["plan"] if row["plan"] and not ended else FREE["name"],
        "status": status or "free",
        "currentPeriodEnd": iso(row["current_period_end"]),
        "cancelAtPeriodEnd": bool(row["cancel_at_period_end"]) and not ended,
        "periodStart": iso(row["period_start"]),
        "periodEnd": iso(row["period_end"]),
        "usage": {feature: {"used": used.get(feature, 0), "limit": plan["limits"].get(feature)} for feature in FEATURES},
    }
