#!/usr/bin/env python3
"""Data for the HTTP benchmark (scripts/bench/run), against a running `hirebase serve`.

    scripts/bench/seed.py --base http://127.0.0.1:8491 --db postgres://...|sqlite:///path \
        --jwt-secret S --webhook-secret whsec_... --out DIR [--match 10000,100000]

Python's standard library only. What has a shape the server decides (users, companies, members,
plans, jobs, assessments, one candidate, application and invitation of each company) is made
over HTTP; the bulk rows are then copies of those rows made in SQL (PostgreSQL through psql and
generate_series, SQLite through the sqlite3 CLI and a recursive CTE), with the few columns that
must differ (id, e-mail, token hash, `created_at_us`, ...) replaced, so every other column,
NOT NULL, JSON or timestamp, is exactly as the server stores it, and a column added later is
copied too. Checks the result over HTTP, then writes DIR/fixtures.lua for the wrk scripts.

Companies (each owned by one user; `writers` are recruiters of W, M10 and M100):
  S: 1,000 candidates, applications (of job S) and invitations, 64 of them with known tokens
  B: 200,000 of each (the list pages at 200k rows)
  W: the write scenarios (POST /candidates, /job-action over 256 open jobs)
  M10, M100: 10,000 / 100,000 candidates with ~300-word résumés for /match-candidates
Every user has the business plan (unlimited), given by a signed Stripe webhook.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import random
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

WRITERS = 64
TOKENED_INVITATIONS = 64
WRITE_JOBS = 256
SMALL, BIG = 1_000, 200_000
PROFILES = 2_000  # distinct résumé texts; each matching candidate also gets a word of its own


def fail(message):
    print(f"seed: {message}", file=sys.stderr)
    sys.exit(1)


def log(message):
    print(f"seed: {message}", file=sys.stderr, flush=True)


# --- HTTP ---------------------------------------------------------------------------------------

class API:
    def __init__(self, base):
        self.base = base.rstrip("/")

    def call(self, method, path, token=None, body=None, headers=None, expect=(200, 201), raw=None):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.base + path, method=method, data=data)
        if token:
            request.add_header("Authorization", "Bearer " + token)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        if expect and status not in expect:
            fail(f"{method} {path} answered {status}: {text[:500]}")
        return json.loads(text) if text else None

    def csrf(self, token):
        return self.call("GET", "/csrf-token", token)["csrfToken"]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_token(secret, user_id, email, lifetime=4 * 3600):
    """The token `hirebase token` mints: HS256, aud authenticated, role authenticated."""
    now = int(time.time())
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {"sub": user_id, "exp": now + lifetime, "iat": now, "aud": "authenticated", "email": email, "role": "authenticated"}
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = b64url(hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


def subscription_event(user_id, event_type="customer.subscription.created", created=None):
    """A Stripe event (API 2025-03-31 shape) putting `user_id` on the business plan."""
    now = int(time.time())
    created = created or now
    short = user_id.replace("-", "")[:24]
    return {
        "id": "evt_" + secrets.token_hex(12), "object": "event", "api_version": "2025-03-31.basil", "created": created,
        "type": event_type, "livemode": False, "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
        "data": {"object": {
            "id": "sub_" + short, "object": "subscription", "customer": "cus_" + short, "status": "active",
            "cancel_at_period_end": False, "cancel_at": None, "canceled_at": None, "created": now - 3600,
            "metadata": {"user_id": user_id}, "livemode": False,
            "items": {"object": "list", "data": [{
                "id": "si_" + short, "object": "subscription_item", "quantity": 1,
                "current_period_start": now - 3600, "current_period_end": now + 30 * 24 * 3600,
                "price": {"id": "price_business_monthly", "object": "price", "unit_amount": 19900, "currency": "usd"},
            }]},
        }},
    }


def sign(secret, payload, timestamp=None):
    timestamp = timestamp or int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# --- SQL ----------------------------------------------------------------------------------------

class SQL:
    """psql or the sqlite3 CLI, and the few expressions that differ between them."""

    def __init__(self, url):
        self.pg = url.startswith("postgres")
        self.url = url
        self.path = None if self.pg else url.split("://", 1)[1]

    def run(self, script):
        if self.pg:
            command = ["psql", self.url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA"]
        else:
            command = ["sqlite3", "-bail", self.path]
            script = ".timeout 30000\n" + script
        done = subprocess.run(command, input=script, capture_output=True, text=True)
        if done.returncode != 0:
            fail(f"SQL failed ({done.returncode}): {done.stderr.strip()[:2000]}\n--- script start ---\n{script[:1500]}")
        return done.stdout.strip()

    def uuid(self, value):
        """A literal of the id as this database stores it."""
        return f"'{value.lower()}'::uuid" if self.pg else f"'{value.upper()}'"

    def new_uuid(self):
        if self.pg:
            return "gen_random_uuid()"
        return ("(upper(hex(randomblob(4))) || '-' || upper(hex(randomblob(2))) || '-4' || substr(upper(hex(randomblob(2))), 2) "
                "|| '-' || substr('89AB', 1 + (abs(random()) % 4), 1) || substr(upper(hex(randomblob(2))), 2) || '-' "
                "|| upper(hex(randomblob(6))))")

    def text_uuid(self, expression):
        """A uuid-typed value from a text expression holding a lower-case UUID."""
        return f"CAST({expression} AS uuid)" if self.pg else f"upper({expression})"

    def random_hex64(self):
        return "(md5(random()::text) || md5(random()::text))" if self.pg else "lower(hex(randomblob(32)))"

    def columns(self, table):
        if self.pg:
            out = self.run(f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}' "
                           "AND table_schema = current_schema() ORDER BY ordinal_position;")
        else:
            out = self.run(f"SELECT name FROM pragma_table_info('{table}') ORDER BY cid;")
        return [line for line in out.splitlines() if line]

    def series(self, count):
        """(CTE prefix, FROM item) giving rows numbered `n` = 1..count."""
        if self.pg:
            return "", f"generate_series(1, {count}) AS g(n)"
        return f"WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {count}) ", "g"

    def clone(self, table, template_id, overrides, source, cte=""):
        """INSERT copies of the template row, one per row of `source` (SQL FROM items), with
        `overrides` (column -> SQL expression over `tpl` and the source) replacing columns."""
        columns = self.columns(table)
        unknown = set(overrides) - set(columns)
        if unknown:
            fail(f"{table} has no column {sorted(unknown)} (the schema changed: update scripts/bench/seed.py)")
        names = ", ".join(f'"{c}"' for c in columns)
        values = ", ".join(overrides.get(c, f'tpl."{c}"') for c in columns)
        return (f'{cte}INSERT INTO "{table}" ({names}) SELECT {values} FROM "{table}" AS tpl, {source} '
                f"WHERE tpl.id = {self.uuid(template_id)};\n")


# --- Résumés ------------------------------------------------------------------------------------

SKILLS = [
    ["JavaScript", "JS"], ["Python", "python3"], ["SQL"], ["TypeScript", "TS"], ["React", "ReactJS"], ["Java"],
    ["Docker"], ["AWS", "Amazon Web Services"], ["Node.js", "NodeJS"], ["Git"], ["PostgreSQL", "Postgres"],
    ["Kubernetes", "k8s"], ["Go", "Golang"], ["Linux"], ["HTML"], ["CSS"], ["C#"], ["C++"], [".NET"], ["MySQL"],
    ["MongoDB"], ["Redis"], ["Kafka"], ["GCP"], ["Azure"], ["Terraform"], ["CI/CD"], ["gRPC"], ["REST"],
    ["GraphQL"], ["Vue.js"], ["Angular"], ["Django"], ["Flask"], ["Spring Boot"], ["Ruby on Rails"], ["PHP"],
    ["Rust"], ["Kotlin"], ["Swift"], ["Scala"], ["Machine Learning"], ["TensorFlow"], ["PyTorch"], ["pandas"],
    ["Spark"], ["Airflow"], ["Microservices"], ["Prometheus"], ["Grafana"], ["Ansible"], ["Jenkins"],
    ["Elasticsearch"], ["DynamoDB"], ["Snowflake"], ["Flutter"], ["iOS"], ["Android"], ["Bash"],
]
ROLES = ["Backend Engineer", "Software Engineer", "Frontend Developer", "Full Stack Developer", "Data Engineer",
         "DevOps Engineer", "Site Reliability Engineer", "Mobile Developer", "Machine Learning Engineer", "Platform Engineer"]
PLACES = ["Berlin, Germany", "Munich, Germany", "Hamburg, Germany", "Vienna, Austria", "Amsterdam, Netherlands",
          "London, UK", "Paris, France", "Lisbon, Portugal", "New York, NY, USA", "Remote", "Toronto, Canada"]
COMMON = ("built designed implemented led owned shipped maintained migrated scaled improved reduced increased automated "
          "delivered mentored collaborated with across team teams product customers users platform service services system "
          "systems data pipeline pipelines api apis backend frontend web mobile cloud infrastructure performance latency "
          "reliability availability monitoring testing tests coverage code review architecture design features release "
          "production incident on-call deployment cost million requests per second daily real-time batch processing "
          "analytics dashboard reporting internal tooling developer experience security compliance payments search "
          "ranking events queue cache database schema migrations query optimization refactoring legacy stack startup "
          "company enterprise clients stakeholders requirements roadmap agile planning hiring onboarding documentation "
          "open source responsible for working in the and of to a with using on from by at as an our we their this that "
          "large small high low new existing multiple several key critical core end-to-end ownership").split()


def skewed(count, rng):
    return min(count - 1, int(count * rng.random() ** 3))


def profiles(count, seed=0x5EED):
    """`count` (skills JSON, headline, résumé of about 300 words): the same every run."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ter", "on", "vex", "ra", "sol", "qui", "den", "tra", "no", "zu", "pel", "gor", "ix"]
    rare = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(20_000)]
    out = []
    for _ in range(count):
        written = []
        for _ in range(rng.randint(3, 12)):
            row = SKILLS[skewed(len(SKILLS), rng)]
            spelling = rng.choice(row)
            if spelling not in written:
                written.append(spelling)
        role = rng.choice(ROLES)
        words = [role + "."]
        target = rng.randint(280, 320)
        while len(words) < target:
            length = rng.randint(6, 18)
            for position in range(length):
                roll = rng.randrange(100)
                word = rng.choice(written) if roll < 8 else rare[skewed(len(rare), rng)] if roll < 20 else COMMON[skewed(len(COMMON), rng)]
                if position == 0:
                    word = word[:1].upper() + word[1:]
                words.append(word + ("." if position == length - 1 else ""))
        headline = f"{rng.choice(['', 'Senior ', 'Lead ', 'Staff '])}{role} · {', '.join(written[:3])}"
        out.append((json.dumps({"items": written}), headline, " ".join(words), rng.choice(PLACES), rng.randint(0, 25)))
    return out


def quote(text):
    return "'" + text.replace("'", "''") + "'"


# --- The data -----------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--jwt-secret", required=True)
    parser.add_argument("--webhook-secret", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--match", default="10000", help="comma-separated matching pool sizes")
    args = parser.parse_args()
    api, sql = API(args.base), SQL(args.db)
    match_sizes = [int(n) for n in args.match.split(",") if n]
    started = time.time()

    def user(label):
        user_id = str(uuid.uuid4())
        email = f"{label}@bench.example"
        return {"id": user_id, "email": email, "token": mint_token(args.jwt_secret, user_id, email)}

    owner = user("owner")
    lister_small, lister_big = user("lister-small"), user("lister-big")
    writers = [user(f"writer-{i}") for i in range(WRITERS)]
    everyone = [owner, lister_small, lister_big] + writers

    # Users are recorded on their first request; the business plan comes by a signed webhook.
    for person in everyone:
        api.call("GET", "/subscription-status", person["token"])
        payload = json.dumps(subscription_event(person["id"])).encode()
        api.call("POST", "/webhooks/stripe", raw=payload, headers={"Stripe-Signature": sign(args.webhook_secret, payload)})
    for person in (owner, writers[0], writers[-1]):
        status = api.call("GET", "/subscription-status", person["token"])
        if status.get("plan") != "business" or status.get("status") != "active":
            fail(f"the webhook did not put the user on the business plan: {status}")
    log(f"{len(everyone)} users on the business plan")

    def company(who, name):
        return api.call("POST", "/companies", who["token"], {"name": name})["id"]

    def add_writers(company_id):
        for writer in writers:
            api.call("POST", f"/companies/{company_id}/members", owner["token"], {"userId": writer["id"], "role": "recruiter"})

    def job(who, company_id, title="Backend Engineer", skills=None, description=None, publish=False):
        created = api.call("POST", "/jobs", who["token"], {
            "companyId": company_id, "title": title, "location": "Berlin, Germany",
            "description": description or "We build the hiring platform's backend in Swift on PostgreSQL.",
            "skills": skills or ["Swift", "PostgreSQL", "Docker"]})
        if publish:
            api.call("POST", "/job-action", who["token"], {"jobId": created["id"], "action": "publish"},
                     headers={"X-CSRF-Token": api.csrf(who["token"])})
        return created["id"]

    def candidate(who, company_id, email, resume="Backend engineer: Swift, PostgreSQL and Docker in production."):
        return api.call("POST", "/candidates", who["token"], {
            "companyId": company_id, "email": email, "name": "Template Candidate", "headline": "Backend Engineer",
            "skills": ["Swift", "PostgreSQL", "Docker"], "yearsExperience": 5, "location": "Berlin, Germany",
            "resumeText": resume})["id"]

    def listing_company(who, name):
        """A company with one candidate, application and invitation made over HTTP: the templates."""
        company_id = company(who, name)
        job_id = job(who, company_id)
        candidate_id = candidate(who, company_id, f"template@{name.lower()}.example")
        application_id = api.call("POST", f"/jobs/{job_id}/applications", who["token"], {"candidateId": candidate_id})["id"]
        assessment_id = api.call("POST", "/assessments", who["token"], {
            "companyId": company_id, "title": "Backend basics", "passingScore": 50, "timeLimitMinutes": 30,
            "questions": [
                {"id": "q1", "prompt": "Which isolation level does PostgreSQL use by default?", "kind": "single_choice",
                 "choices": ["read committed", "serializable"], "correct": ["read committed"]},
                {"id": "q2", "prompt": "Name an index type.", "kind": "text", "correct": ["btree", "b-tree"]}]})["id"]
        invitation = api.call("POST", "/assessments/invitations/create", who["token"], {
            "assessmentId": assessment_id, "candidateEmail": f"template-invitee@{name.lower()}.example",
            "candidateName": "Template Invitee", "jobId": job_id, "expiresInHours": 720})
        # Copies of an invitation whose e-mail went out (the outbox row `sent`), not 200k e-mails to send.
        for _ in range(200):
            shown = api.call("GET", f"/assessments/invitations/{invitation['id']}", who["token"])
            if (shown.get("delivery") or {}).get("status") == "sent":
                break
            time.sleep(0.05)
        else:
            fail(f"the template invitation's e-mail was not sent: {shown}")
        email_id = sql.run(f"SELECT id FROM outbox_emails WHERE invitation_id = {sql.uuid(invitation['id'])};").splitlines()[0]
        return {"company": company_id, "job": job_id, "candidate": candidate_id, "application": application_id,
                "assessment": assessment_id, "invitation": invitation["id"], "email": email_id}

    small = listing_company(lister_small, "Small")
    big = listing_company(lister_big, "Big")
    write_company = company(owner, "Writes")
    add_writers(write_company)
    template_job = job(owner, write_company, publish=True)
    matching = {}
    for size in match_sizes:
        company_id = company(owner, f"Match{size}")
        add_writers(company_id)
        job_id = job(owner, company_id, title="Senior Backend Engineer", skills=["Go", "PostgreSQL", "k8s", "AWS", "gRPC", "Kafka"],
                     description="Senior backend engineer for our payments platform: Go services on Kubernetes in AWS, "
                                 "PostgreSQL and Kafka, gRPC between services, on-call for production, mentoring.")
        template = candidate(owner, company_id, f"template@match{size}.example")
        matching[size] = {"company": company_id, "job": job_id, "candidate": template}
    log(f"companies, members and templates over HTTP in {time.time() - started:.1f} s")

    # --- bulk rows ---
    seeded = time.time()
    script = []
    tokens = []
    for kind, info, count in (("small", small, SMALL), ("big", big, BIG)):
        n_cte, n_from = sql.series(count - 1)
        script.append(sql.clone("candidates", info["candidate"], {
            "id": sql.new_uuid(), "email": f"'seed-' || g.n || '@{kind}.example'", "email_key": f"'seed-' || g.n || '@{kind}.example'",
            "name": "'Seeded Candidate ' || g.n", "created_at_us": "tpl.created_at_us - g.n * 1000",
        }, n_from, n_cte))
        script.append(sql.clone("applications", info["application"], {
            "id": sql.new_uuid(), "candidate_id": "c.id", "created_at_us": "c.created_at_us",
        }, f"candidates AS c", "") .replace(
            f"WHERE tpl.id = {sql.uuid(info['application'])}",
            f"WHERE tpl.id = {sql.uuid(info['application'])} AND c.company_id = tpl.company_id AND c.id <> tpl.candidate_id"))
        plain = count - 1 - (TOKENED_INVITATIONS if kind == "small" else 0)
        n_cte, n_from = sql.series(plain)
        invitation = {
            "id": sql.new_uuid(), "candidate_email": f"'invitee-' || g.n || '@{kind}.example'", "candidate_name": "'Invitee ' || g.n",
            "token_hash": sql.random_hex64(), "created_at_us": "tpl.created_at_us - g.n * 1000",
            "open_key": (f"'{info['assessment'].lower()}|invitee-' || g.n || '@{kind}.example'"),
        }
        script.append(sql.clone("invitations", info["invitation"], invitation, n_from, n_cte))
        if kind == "small":
            rows = []
            for i in range(TOKENED_INVITATIONS):
                token, invitation_id = secrets.token_urlsafe(32), str(uuid.uuid4())
                tokens.append((invitation_id, token))
                digest = hashlib.sha256(token.encode()).hexdigest()
                rows.append(f"({i + 1}, '{invitation_id}', '{digest}')")
            keyed = dict(invitation, **{
                "id": sql.text_uuid("k.id"), "token_hash": "k.h", "candidate_email": "'opener-' || k.n || '@small.example'",
                "candidate_name": "'Opener ' || k.n", "created_at_us": f"tpl.created_at_us - ({plain} + k.n) * 1000",
                "open_key": f"'{info['assessment'].lower()}|opener-' || k.n || '@small.example'"})
            script.append(sql.clone("invitations", info["invitation"], keyed, "k", f"WITH k(n, id, h) AS (VALUES {', '.join(rows)}) "))
        script.append(sql.clone("outbox_emails", info["email"], {
            "id": sql.new_uuid(), "invitation_id": "i.id", "recipient": "i.candidate_email", "created_at_us": "i.created_at_us",
        }, "invitations AS i", "").replace(
            f"WHERE tpl.id = {sql.uuid(info['email'])}",
            f"WHERE tpl.id = {sql.uuid(info['email'])} AND i.company_id = {sql.uuid(info['company'])} AND i.id <> tpl.invitation_id"))
    n_cte, n_from = sql.series(WRITE_JOBS - 1)
    script.append(sql.clone("jobs", template_job, {
        "id": sql.new_uuid(), "title": "'Backend Engineer ' || g.n", "created_at_us": "tpl.created_at_us - g.n * 1000"}, n_from, n_cte))
    if matching:
        rows = ", ".join(f"({i}, {quote(s)}, {quote(h)}, {quote(r)}, {quote(p)}, {y})" for i, (s, h, r, p, y) in enumerate(profiles(PROFILES)))
        script.append("CREATE TEMP TABLE bench_profiles (i INTEGER PRIMARY KEY, skills TEXT, headline TEXT, resume TEXT, place TEXT, years INTEGER);\n")
        script.append(f"INSERT INTO bench_profiles VALUES {rows};\n")
        for size, info in matching.items():
            n_cte, n_from = sql.series(size - 1)
            script.append(sql.clone("candidates", info["candidate"], {
                "id": sql.new_uuid(), "email": f"'cand-' || g.n || '@match{size}.example'", "email_key": f"'cand-' || g.n || '@match{size}.example'",
                "name": "'Candidate ' || g.n", "headline": "p.headline", "skills": "CAST(p.skills AS json)" if sql.pg else "p.skills",
                "years_experience": "p.years", "location": "p.place", "resume_text": "p.resume || ' Ref' || g.n || '.'",
                "created_at_us": "tpl.created_at_us - g.n * 1000",
            }, f"{n_from} JOIN bench_profiles AS p ON p.i = g.n % {PROFILES}", n_cte))
    sql.run("BEGIN;\n" + "".join(script) + "COMMIT;\n")
    # What a database in use has: planner statistics (autovacuum's ANALYZE) on PostgreSQL; on
    # SQLite the bulk insert's WAL folded into the file (the server's connections are idle).
    sql.run("ANALYZE;\n" if sql.pg else "PRAGMA wal_checkpoint(TRUNCATE);\n")
    log(f"bulk rows in {time.time() - seeded:.1f} s")

    # --- checks over HTTP ---
    def count(table, company_id):
        return int(sql.run(f"SELECT COUNT(*) FROM {table} WHERE company_id = {sql.uuid(company_id)};"))

    for kind, info, who, expected in (("small", small, lister_small, SMALL), ("big", big, lister_big, BIG)):
        for table in ("candidates", "applications", "invitations"):
            if count(table, info["company"]) != expected:
                fail(f"{table} of company {kind}: {count(table, info['company'])} rows, expected {expected}")
        for path in (f"/candidates?companyId={info['company']}&limit=20", "/assessments/invitations?limit=20",
                     f"/jobs/{info['job']}/applications?limit=20"):
            page = api.call("GET", path, who["token"])
            if len(page.get("items") or []) != 20 or not page.get("nextCursor"):
                fail(f"GET {path} ({kind}) gave {len(page.get('items') or [])} items, nextCursor {page.get('nextCursor')!r}")
            second = api.call("GET", path + "&cursor=" + urllib.parse.quote(page["nextCursor"]), who["token"])
            if len(second.get("items") or []) != 20 or {i["id"] for i in second["items"]} & {i["id"] for i in page["items"]}:
                fail(f"GET {path} ({kind}): the second page is wrong")
    invitation_id, token = tokens[0]
    opened = api.call("GET", f"/assessments/invitations/{invitation_id}?token={token}")
    if opened.get("status") != "opened" or "assessment" not in opened:
        fail(f"the candidate's read of a seeded invitation gave {opened}")
    for size, info in matching.items():
        if count("candidates", info["company"]) != size:
            fail(f"matching company {size}: {count('candidates', info['company'])} candidates")
    log(f"checked; {time.time() - started:.1f} s in all")

    # --- fixtures for the wrk scripts ---
    def lua(value):
        if isinstance(value, dict):
            return "{" + ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in value.items()) + "}"
        if isinstance(value, (list, tuple)):
            return "{" + ", ".join(lua(v) for v in value) + "}"
        if isinstance(value, (int, float)):
            return str(value)
        return json.dumps(str(value))

    jobs = sql.run(f"SELECT id FROM jobs WHERE company_id = {sql.uuid(write_company)} ORDER BY created_at_us;").splitlines()
    fixtures = {
        "writers": [w["token"] for w in writers],
        "writer_ids": [w["id"] for w in writers],
        "lister_small": [lister_small["token"]], "lister_big": [lister_big["token"]],
        "small": small, "big": big, "write_company": write_company,
        "write_jobs": [j.lower() for j in jobs],
        "invitations": [{"id": i, "token": t} for i, t in tokens],
        "matching": {str(size): info for size, info in matching.items()},
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "fixtures.lua"), "w") as out:
        out.write("return " + lua(fixtures) + "\n")
    with open(os.path.join(args.out, "fixtures.json"), "w") as out:
        json.dump(fixtures, out)


def events():
    """`seed.py events --fixtures F --webhook-secret S --count N --out FILE`: N distinct
    customer.subscription.updated events for the writers (business plan, active: each one is
    applied, and the users keep their plan), one per line as "<Stripe-Signature>\t<payload>",
    signed now (Stripe's tolerance is 300 s: make them just before sending)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--webhook-secret", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(sys.argv[2:])
    with open(args.fixtures) as source:
        users = json.load(source)["writer_ids"]
    now = int(time.time())
    with open(args.out, "w") as out:
        for i in range(args.count):
            event = subscription_event(users[i % len(users)], "customer.subscription.updated", created=now)
            payload = json.dumps(event, separators=(",", ":")).encode()
            out.write(sign(args.webhook_secret, payload, now) + "\t" + payload.decode() + "\n")


if __name__ == "__main__":
    import urllib.parse  # noqa: E402 (used in the checks)
    if sys.argv[1:2] == ["events"]:
        events()
    else:
        main()
