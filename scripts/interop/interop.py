"""Interop checks of a built `hirebase` binary against the clients and services it meets in
production: Supabase-style access tokens (HS256 with the project secret, ES256 from a JWKS), a
Resend-style email API, python email-validator's verdicts, and two instances sharing PostgreSQL.
Run through scripts/interop/run. Prints `PASS name` / `FAIL name: why` per check, then
`interop: N passed, M failed`; exits 1 when anything failed."""

import argparse
import collections
import datetime
import json
import os
import re
import secrets
import shutil
import string
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path
from urllib.parse import unquote

import emails
import server as srv
from client import Api, ConventionLog, redact
from fakes import JwksServer, MailServer
from tokens import Minter, fixture_claim_sets, foreign_es256_key

# The contract says the server checks syntax exactly as email-validator 2.x: every row must agree.
EMAIL_AGREEMENT_MIN = int(os.environ.get("INTEROP_EMAIL_AGREEMENT_MIN", "746"))
EMAIL_DISAGREEMENTS_SHOWN = int(os.environ.get("INTEROP_EMAIL_DISAGREEMENTS_SHOWN", "100"))
PUBLIC_APP_URL = "http://localhost:3000"
EMAIL_WAIT_SECONDS = 15
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LINK_RE = re.compile(re.escape(PUBLIC_APP_URL) + r"/assessments/invitations/([0-9A-Fa-f-]{36})\?token=([^\s\"'<>&]+)")

QUESTIONS = [
    {"id": "q1", "prompt": "2+2?", "kind": "single_choice", "choices": ["3", "4"], "correct": ["4"], "points": 2},
    {"id": "q2", "prompt": "Pick primes", "kind": "multiple_choice", "choices": ["2", "3", "4"], "correct": ["2", "3"]},
    {"id": "q3", "prompt": "Capital of France?", "kind": "text", "correct": ["Paris"]},
]
ANSWERS = [
    {"questionId": "q1", "answer": "4"},
    {"questionId": "q2", "answer": ["3", "2"]},
    {"questionId": "q3", "answer": "  paris "},
]
EXPECTED_GRADE = {"status": "completed", "score": 100, "rawScore": 4, "maxScore": 4, "passed": True}


class StopSection(Exception):
    """A step later checks depend on failed: the rest of the section is not run."""


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, name):
        self.passed += 1
        print(f"PASS {name}", flush=True)

    def fail(self, name, why, details=None):
        self.failed += 1
        print(f"FAIL {name}: {' | '.join(str(why).splitlines())}", flush=True)
        for line in (details or "").splitlines():
            print(f"    {line}", flush=True)

    def expect(self, name, problems_or_ok, why="", details=None):
        """problems_or_ok: a bool, or a list of problems (empty = pass)."""
        if isinstance(problems_or_ok, list):
            ok = not problems_or_ok
            why = "; ".join(problems_or_ok) + (f" :: {why}" if why else "")
        else:
            ok = bool(problems_or_ok)
        if ok:
            self.ok(name)
        else:
            self.fail(name, why, details)
        return ok

    def require(self, name, problems_or_ok, why="", details=None):
        if not self.expect(name, problems_or_ok, why, details):
            raise StopSection(name)

    @staticmethod
    def info(msg):
        print(f"  {msg}", flush=True)


def rand_alnum(n):
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


def is_uuid(v):
    return isinstance(v, str) and bool(UUID_RE.match(v))


def obj(r):
    return r.json if isinstance(r.json, dict) else {}


def expect_status(r, status, code=None):
    p = []
    if r.status != status:
        p.append(f"expected {status}, got {r.status}")
    if code and obj(r).get("code") != code:
        p.append(f"expected code {code!r}, got {obj(r).get('code')!r}")
    return p


def parse_time(s):
    if not isinstance(s, str):
        return None
    try:
        return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None


def contains_key(value, key):
    if isinstance(value, dict):
        return key in value or any(contains_key(v, key) for v in value.values())
    if isinstance(value, list):
        return any(contains_key(v, key) for v in value)
    return False


class Ctx:
    def __init__(self, args):
        self.binary = os.path.abspath(args.binary)
        self.repo = os.path.abspath(args.repo)
        self.fixtures = Path(os.environ.get("INTEROP_FIXTURES") or Path(self.repo).parent / "shared" / "fixtures")
        self.tmp = tempfile.mkdtemp(prefix="hirebase-interop.")
        self.jwks = JwksServer()
        self.mail_key = "re_" + rand_alnum(32)
        self.mail = MailServer(self.mail_key)
        self.secret = rand_alnum(40)
        self.supabase_url = self.jwks.base_url
        self.minter = Minter(self.secret, f"{self.supabase_url}/auth/v1", self.jwks.private_key, self.jwks.kid)
        self.conventions = ConventionLog()
        self.settings = {
            "HIREBASE_ENV": "testing",
            "DATABASE_URL": f"sqlite://{self.tmp}/interop.sqlite",
            "SUPABASE_URL": self.supabase_url,
            "SUPABASE_JWT_SECRET": self.secret,
            "EMAIL_PROVIDER": "resend",
            "EMAIL_API_BASE": self.mail.base_url,
            "EMAIL_API_KEY": self.mail_key,
            "EMAIL_FROM": "hirebase@example.com",
            "PUBLIC_APP_URL": PUBLIC_APP_URL,
            "LOG_FORMAT": "json",
        }
        self.serve_logs = []  # logs of `serve`: JSON lines expected
        self.other_logs = []  # stderr of other commands
        self.hidden = {}  # secret kind -> values that must never reach a log
        self.emails_used = set()

    def hide(self, kind, value):
        if value:
            self.hidden.setdefault(kind, set()).add(value)

    def server(self, name, settings):
        log = os.path.join(self.tmp, f"{name}.log")
        self.serve_logs.append(log)
        return srv.ServerProcess(self.binary, srv.server_env(settings), log, self.repo, name)

    def migrate(self, settings, name):
        """`hirebase migrate --yes` before serving: harmless when serve migrates by itself."""
        log = os.path.join(self.tmp, f"{name}-migrate.log")
        self.other_logs.append(log)
        try:
            p = srv.run_command(self.binary, ["migrate", "--yes"], srv.server_env(settings), self.repo, log, timeout=120)
            with open(log, "ab") as f:
                f.write(p.stdout)
            Report.info(f"`hirebase migrate --yes` ({name}) exited {p.returncode} (log {log})")
        except Exception as e:  # noqa: BLE001 - only informative
            Report.info(f"`hirebase migrate --yes` ({name}) did not run: {e}")


def section(report, name, fn, *args):
    try:
        fn(*args)
    except StopSection as e:
        report.info(f"({name}: checks after {e} were not run)")
    except Exception as e:  # noqa: BLE001 - a crash of the checks themselves is a failure too
        report.fail(f"{name}_crashed", f"{type(e).__name__}: {e}", traceback.format_exc())


# ---- helpers over the API -------------------------------------------------------------------

def setup_recruiter(ctx, report, api, label, email=None, separate_checks=False):
    """A fresh user with a company and the 3-question assessment. -> (token, companyId, assessmentId)."""
    email = email or f"recruiter-{label}-{uuid.uuid4().hex[:6]}@example.com"
    ctx.emails_used.add(email)
    _, tok = ctx.minter.user(email=email)
    r = api.post("/companies", {"name": f"Interop {label} {uuid.uuid4().hex[:6]}"}, token=tok)
    p = expect_status(r, 201)
    if not is_uuid(obj(r).get("id")):
        p.append("no uuid `id`")
    company = obj(r).get("id")
    if separate_checks:
        report.require("company_create", p, r.describe())
    elif p:
        report.require(f"{label}_setup", p, r.describe())
    r = api.post("/assessments", {"companyId": company, "title": f"Interop quiz {label}", "passingScore": 50,
                                  "questions": QUESTIONS}, token=tok)
    p = expect_status(r, 201)
    if not is_uuid(obj(r).get("id")):
        p.append("no uuid `id`")
    if separate_checks:
        report.require("assessment_create", p, r.describe())
    else:
        report.require(f"{label}_setup", p, r.describe())
    return tok, company, obj(r)["id"]


def create_invitation(ctx, api, tok, assessment_id, email, name=None):
    ctx.emails_used.add(email)
    body = {"assessmentId": assessment_id, "candidateEmail": email}
    if name:
        body["candidateName"] = name
    return api.post("/assessments/invitations/create", body, token=tok)


def require_invitation(report, name, r):
    report.require(name, expect_status(r, 201) + ([] if is_uuid(obj(r).get("id")) else ["no uuid `id`"]), r.describe())
    return obj(r)["id"]


def csrf_token(report, name, api, tok):
    r = api.get("/csrf-token", token=tok)
    report.require(name, expect_status(r, 200) + ([] if isinstance(obj(r).get("csrfToken"), str) else ["no csrfToken"]),
                   r.describe())
    return obj(r)["csrfToken"]


def cancel(api, inv, tok, csrf=None):
    headers = {"X-CSRF-Token": csrf} if csrf is not None else None
    return api.post(f"/assessments/invitations/{inv}/cancel", token=tok, headers=headers)


# ---- sections -------------------------------------------------------------------------------

def platform_checks(ctx, report, api):
    r = api.get("/health")
    report.expect("health", expect_status(r, 200) + ([] if obj(r).get("status") == "ok" else ["status != ok"]),
                  r.describe())
    rid = "interop-" + uuid.uuid4().hex
    r = api.get("/health", headers={"X-Request-Id": rid})
    report.expect("request_id_echoed", r.header("x-request-id") == rid,
                  f"sent X-Request-Id {rid}, got {r.header('x-request-id')!r}")
    r = api.get(f"/no-such-route-{uuid.uuid4().hex[:8]}")
    report.expect("unknown_route_404", expect_status(r, 404, "not_found"), r.describe())


def invitation_flow(ctx, report, api):
    tok, company, assessment = setup_recruiter(ctx, report, api, "main", separate_checks=True)

    r = create_invitation(ctx, api, tok, assessment, "Cand.Idate@Example.COM", "Cand")
    j, p = obj(r), expect_status(r, 201)
    if not is_uuid(j.get("id")):
        p.append("no uuid `id`")
    if j.get("status") != "pending":
        p.append(f"status {j.get('status')!r} != 'pending'")
    if j.get("candidateEmail") != "Cand.Idate@example.com":
        p.append(f"candidateEmail {j.get('candidateEmail')!r} != 'Cand.Idate@example.com'")
    if j.get("assessmentId") != assessment:
        p.append("assessmentId differs")
    delivery = j.get("delivery") if isinstance(j.get("delivery"), dict) else {}
    if delivery.get("status") not in ("queued", "sent"):
        p.append(f"delivery.status {delivery.get('status')!r} not queued/sent")
    if not isinstance(delivery.get("attempts"), int):
        p.append("delivery.attempts not an integer")
    expires = parse_time(j.get("expiresAt"))
    if not expires or not j.get("expiresAt", "").endswith("Z"):
        p.append(f"expiresAt {j.get('expiresAt')!r} not RFC 3339 UTC")
    elif abs((expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds() - 168 * 3600) > 600:
        p.append(f"expiresAt {j.get('expiresAt')} is not 168 h ahead (the default)")
    report.require("invitation_create", p, r.describe())
    inv = j["id"]

    r = create_invitation(ctx, api, tok, assessment, "Cand.Idate@Example.COM", "Cand")
    report.expect("invitation_duplicate_409", expect_status(r, 409, "duplicate_invitation"), r.describe())

    msgs = ctx.mail.wait_for(inv, EMAIL_WAIT_SECONDS)
    report.require("invitation_email_sent", bool(msgs),
                   f"the email API got no message mentioning invitation {inv} within {EMAIL_WAIT_SECONDS} s "
                   f"(accepted messages: {len(ctx.mail.messages)}, refused: {ctx.mail.rejected})")
    m = msgs[0]["json"]
    p = []
    to = m.get("to")
    if to not in (["Cand.Idate@example.com"], "Cand.Idate@example.com"):
        p.append(f"to {to!r} is not ['Cand.Idate@example.com']")
    if "hirebase@example.com" not in str(m.get("from")):
        p.append(f"from {m.get('from')!r} is not EMAIL_FROM")
    if not isinstance(m.get("subject"), str) or not m.get("subject").strip():
        p.append("no subject")
    if len(msgs) > 1:
        p.append(f"{len(msgs)} messages for one invitation")
    report.expect("invitation_email_fields", p)

    text = m.get("text") or ""
    match = LINK_RE.search(text) or LINK_RE.search(m.get("html") or "")
    p = []
    if not match:
        p.append(f"no {PUBLIC_APP_URL}/assessments/invitations/<id>?token=<token> link in text or html")
    elif match.group(1) != inv:
        p.append(f"link id {match.group(1)} != invitation id {inv}")
    elif not LINK_RE.search(text):
        p.append("link only in html, not in the text part")
    report.require("invitation_email_link", p, redact(text[:300]))
    token_q = match.group(2)
    token = unquote(token_q)
    ctx.hide("invitation token", token)

    r = api.get(f"/assessments/invitations/{inv}?token=wrong{rand_alnum(20)}")
    report.expect("candidate_wrong_token_refused", r.status in (401, 403, 404),
                  f"expected 401/403/404 :: {r.describe()}")

    r = api.get(f"/assessments/invitations/{inv}?token={token_q}")
    j, p = obj(r), expect_status(r, 200)
    if j.get("status") != "opened":
        p.append(f"status {j.get('status')!r} != 'opened'")
    a = j.get("assessment") if isinstance(j.get("assessment"), dict) else None
    qs = a.get("questions") if a else None
    if not isinstance(qs, list) or [q.get("id") for q in qs if isinstance(q, dict)] != ["q1", "q2", "q3"]:
        p.append("assessment.questions missing or not q1..q3")
    if contains_key(a, "correct"):
        p.append("a `correct` key is visible to the candidate")
    if a and a.get("title") != "Interop quiz main":
        p.append(f"assessment.title {a.get('title')!r}")
    report.require("candidate_open", p, r.describe())

    r = api.post(f"/assessments/invitations/{inv}/submit", {"token": token, "answers": ANSWERS})
    j, p = obj(r), expect_status(r, 200)
    for k, v in EXPECTED_GRADE.items():
        if j.get(k) != v or type(j.get(k)) is not type(v):
            p.append(f"{k}={j.get(k)!r}, expected {v!r}")
    report.require("candidate_submit_graded", p, r.describe())

    r = api.post(f"/assessments/invitations/{inv}/submit", {"token": token, "answers": ANSWERS})
    report.expect("candidate_submit_twice_409", expect_status(r, 409), r.describe())

    r = api.get("/assessments/invitations", token=tok)
    j, p = obj(r), expect_status(r, 200)
    items = j.get("items") if isinstance(j.get("items"), list) else None
    if items is None:
        p.append("no `items` list")
    else:
        mine = [i for i in items if isinstance(i, dict) and i.get("id") == inv]
        if not mine:
            p.append("invitation not in items")
        elif mine[0].get("status") != "completed":
            p.append(f"status {mine[0].get('status')!r} != 'completed'")
    if "nextCursor" not in j:
        p.append("no `nextCursor` key")
    report.expect("invitation_list", p, r.describe())

    deadline = time.time() + 5
    while True:  # the outbox marks the delivery after the email API answered: allow a moment
        r = api.get(f"/assessments/invitations/{inv}", token=tok)
        j, p = obj(r), expect_status(r, 200)
        if j.get("status") != "completed":
            p.append(f"status {j.get('status')!r} != 'completed'")
        d = j.get("delivery") if isinstance(j.get("delivery"), dict) else {}
        if d.get("status") != "sent":
            p.append(f"delivery.status {d.get('status')!r} != 'sent' after the email API accepted it")
        if not p or time.time() > deadline:
            break
        time.sleep(0.5)
    report.expect("member_read_invitation", p, r.describe())

    _, tok_other = ctx.minter.user()
    r = api.get(f"/assessments/invitations/{inv}", token=tok_other)
    report.expect("other_user_read_404", expect_status(r, 404, "not_found"), r.describe())


def csrf_flow(ctx, report, api):
    tok, _, assessment = setup_recruiter(ctx, report, api, "csrf")
    r = api.get("/csrf-token", token=tok)
    j, p = obj(r), expect_status(r, 200)
    if not isinstance(j.get("csrfToken"), str) or len(j.get("csrfToken", "")) < 22:
        p.append("csrfToken missing or shorter than 128 bits in base64")
    exp = parse_time(j.get("expiresAt"))
    if not exp:
        p.append(f"expiresAt {j.get('expiresAt')!r} not RFC 3339")
    report.require("csrf_token_issued", p, r.describe())
    csrf = j["csrfToken"]
    ctx.hide("CSRF token", csrf)

    inv = require_invitation(report, "csrf_setup_invitation",
                             create_invitation(ctx, api, tok, assessment, f"csrf-{uuid.uuid4().hex[:8]}@example.com"))
    r = cancel(api, inv, tok)
    report.expect("cancel_without_csrf_403", expect_status(r, 403, "csrf_token_invalid"), r.describe())
    r = cancel(api, inv, tok, "unknown" + rand_alnum(30))
    report.expect("cancel_unknown_csrf_403", expect_status(r, 403, "csrf_token_invalid"), r.describe())
    _, tok_other = ctx.minter.user()
    other = csrf_token(report, "csrf_token_issued_other_user", api, tok_other)
    r = cancel(api, inv, tok, other)
    report.expect("csrf_bound_to_user_403", expect_status(r, 403, "csrf_token_invalid"), r.describe())

    r = cancel(api, inv, tok, csrf)
    p = expect_status(r, 200)
    if obj(r).get("status") != "cancelled":
        p.append(f"status {obj(r).get('status')!r} != 'cancelled'")
    report.expect("csrf_cancel", p, r.describe())
    r = cancel(api, inv, tok, csrf)
    report.expect("csrf_reuse_403", expect_status(r, 403, "csrf_token_invalid"), r.describe())


def auth_checks(ctx, report, api):
    m = ctx.minter

    def probe(token):
        return api.get("/csrf-token", token=token)

    def accepted(name, token):
        r = probe(token)
        report.expect(name, expect_status(r, 200), r.describe())

    def refused(name, token):
        r = probe(token)
        report.expect(name, expect_status(r, 401, "unauthorized"), r.describe())

    accepted("hs256_with_kid_accepted", m.hs256(m.claims()))
    accepted("hs256_without_kid_accepted", m.hs256(m.claims(), kid=None))
    accepted("es256_jwks_accepted", m.es256(m.claims()))

    r = api.get("/csrf-token")
    report.expect("no_token_401", expect_status(r, 401, "unauthorized"), r.describe())
    refused("garbage_token_401", "not.a.jwt")
    refused("hs256_wrong_secret_401", m.hs256(m.claims(), secret=rand_alnum(40)))
    now = int(time.time())
    refused("expired_401", m.hs256(m.claims(exp=now - 3600, iat=now - 7200)))
    refused("alg_none_401", m.alg_none(m.claims()))
    refused("alg_none_with_valid_hmac_401", m.alg_none_with_valid_hmac(m.claims()))
    refused("es256_foreign_key_known_kid_401", m.es256(m.claims(), private_key=foreign_es256_key()))
    refused("es256_unknown_kid_401", m.es256(m.claims(), private_key=foreign_es256_key(), kid="unknown-" + rand_alnum(8)))
    refused("alg_confusion_pubkey_as_hmac_401", m.hs256_raw_key(m.claims(), ctx.jwks.public_pem, kid=ctx.jwks.kid))
    refused("alg_confusion_pubkey_as_hmac_no_kid_401", m.hs256_raw_key(m.claims(), ctx.jwks.public_pem))
    refused("wrong_audience_401", m.hs256(m.claims(aud="someone-else")))
    refused("sub_not_uuid_401", m.hs256(m.claims(sub="not-a-uuid")))
    no_sub = m.claims()
    del no_sub["sub"]
    refused("no_sub_401", m.hs256(no_sub))

    sets = fixture_claim_sets(ctx.fixtures / "supabase", m.issuer)
    if not sets:
        report.info(f"no Supabase claim fixtures under {ctx.fixtures / 'supabase'}: fixture checks skipped")
    for name, claims, kid, expect_ok in sets:
        token = m.hs256(claims, kid=kid)
        (accepted if expect_ok else refused)(f"supabase_fixture_{name}_{'accepted' if expect_ok else '401'}", token)
    report.info(f"JWKS fetched {ctx.jwks.fetch_count()} time(s) so far")


def email_corpus_checks(ctx, report):
    path = ctx.fixtures / "email" / "emails.tsv"
    if not path.exists():
        report.info(f"{path} not found: email comparison skipped")
        return
    rows = emails.load_corpus(path)
    addresses = [a for a, _ in rows]
    py = [emails.python_verdict(a) for a in addresses]
    off = [i + 1 for i, ((_, want), got) in enumerate(zip(rows, py)) if got["valid"] != want]
    report.expect("email_corpus_python_matches_fixture", not off,
                  f"installed email-validator disagrees with emails.tsv on rows {off[:10]} (not 2.3.0?)")

    log = os.path.join(ctx.tmp, "email-check.log")
    ctx.other_logs.append(log)
    p = srv.run_command(ctx.binary, ["email-check"], srv.server_env(ctx.settings), ctx.repo, log,
                        stdin_bytes=json.dumps(addresses).encode(), timeout=120)
    report.require("email_check_runs", p.returncode == 0,
                   f"`hirebase email-check` exited {p.returncode}", srv.log_tail(log, 20))
    out = p.stdout.decode("utf-8", "replace")
    result, clean = None, True
    try:
        result = json.loads(out)
    except ValueError:
        clean = False
        lines = out.split("\n")
        for i, line in enumerate(lines):  # find the array among other output
            if line.lstrip().startswith("["):
                try:
                    result = json.loads("\n".join(lines[i:]))
                    break
                except ValueError:
                    continue
    report.expect("email_check_stdout_is_only_json", clean,
                  "stdout holds more than the JSON array (logs belong on stderr)", out[:300])
    if not isinstance(result, list):
        report.require("email_check_output", False, "no JSON array on stdout")
    report.require("email_check_output", len(result) == len(addresses),
                   f"{len(result)} results for {len(addresses)} inputs")
    bad = [i + 1 for i, r in enumerate(result)
           if not (isinstance(r, dict) and isinstance(r.get("valid"), bool)
                   and "normalized" in r and "error" in r
                   and (r["normalized"] is None or isinstance(r["normalized"], str))
                   and (r["error"] is None or isinstance(r["error"], str)))]
    report.expect("email_check_result_shape", not bad,
                  f"{len(bad)} results are not {{valid: bool, normalized: str|null, error: str|null}} with all "
                  f"three keys present (null keys omitted?), first #{bad[0] if bad else 0}: "
                  f"{result[bad[0] - 1] if bad else ''!r}")

    full, validity, lines = emails.compare(addresses, py, result)
    print(f"email-validator agreement: {full}/{len(addresses)}", flush=True)
    report.info(f"(same valid/invalid verdict: {validity}/{len(addresses)}; full agreement also compares "
                f"the normalized form of valid addresses)")
    if lines:
        listing = os.path.join(ctx.tmp, "email-disagreements.txt")
        with open(listing, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        for line in lines[:EMAIL_DISAGREEMENTS_SHOWN]:
            report.info(f"disagreement {line}")
        if len(lines) > EMAIL_DISAGREEMENTS_SHOWN:
            report.info(f"... {len(lines) - EMAIL_DISAGREEMENTS_SHOWN} more disagreements in {listing}")
    report.expect("email_validator_agreement", full >= EMAIL_AGREEMENT_MIN,
                  f"{full}/{len(addresses)} agree, threshold {EMAIL_AGREEMENT_MIN}")


def multi_instance_checks(ctx, report, url):
    settings = dict(ctx.settings, DATABASE_URL=url)
    ctx.migrate(settings, "pg")
    a, b = ctx.server("pg-instance-a", settings), ctx.server("pg-instance-b", settings)
    a.start()
    b.start()
    try:
        ok_a, why_a = a.wait_healthy(60)
        ok_b, why_b = b.wait_healthy(60)
        report.require("pg_two_instances_healthy", ok_a and ok_b, "; ".join(w for w in (why_a, why_b) if w),
                       (srv.log_tail(a.log_path, 15) if not ok_a else "") + "\n" +
                       (srv.log_tail(b.log_path, 15) if not ok_b else ""))
        api_a, api_b = Api(a.base_url, ctx.conventions), Api(b.base_url, ctx.conventions)

        tok, _, assessment = setup_recruiter(ctx, report, api_a, "pg")
        inv1 = require_invitation(report, "pg_setup_invitation",
                                  create_invitation(ctx, api_a, tok, assessment, f"pg-{uuid.uuid4().hex[:8]}@example.com"))
        csrf = csrf_token(report, "pg_csrf_token_from_a", api_a, tok)
        ctx.hide("CSRF token", csrf)
        r = cancel(api_b, inv1, tok, csrf)
        p = expect_status(r, 200)
        if obj(r).get("status") != "cancelled":
            p.append(f"status {obj(r).get('status')!r} != 'cancelled'")
        report.expect("pg_csrf_from_a_consumed_on_b", p, r.describe())
        inv2 = require_invitation(report, "pg_setup_invitation_2",
                                  create_invitation(ctx, api_b, tok, assessment, f"pg-{uuid.uuid4().hex[:8]}@example.com"))
        r = cancel(api_a, inv2, tok, csrf)
        report.expect("pg_csrf_reuse_on_a_403", expect_status(r, 403, "csrf_token_invalid"), r.describe())

        tok_e, _, assessment_e = setup_recruiter(ctx, report, api_b, "pg_race")
        inv3 = require_invitation(report, "pg_setup_invitation_3",
                                  create_invitation(ctx, api_b, tok_e, assessment_e, f"pg-{uuid.uuid4().hex[:8]}@example.com"))
        csrf3 = csrf_token(report, "pg_csrf_token_for_race", api_b, tok_e)
        ctx.hide("CSRF token", csrf3)
        n = 10
        barrier = threading.Barrier(n)
        results = [None] * n

        def worker(i):
            api = api_a if i % 2 == 0 else api_b
            try:
                barrier.wait(timeout=10)
                results[i] = cancel(api, inv3, tok_e, csrf3)
            except Exception as e:  # noqa: BLE001
                results[i] = e

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        summary = collections.Counter(
            (r.status, obj(r).get("code")) if hasattr(r, "status") else (type(r).__name__, str(r)) for r in results)
        successes = sum(v for (s, _), v in summary.items() if s == 200)
        refusals = sum(v for (s, c), v in summary.items() if s == 403 and c == "csrf_token_invalid")
        ok = successes == 1 and refusals == n - 1
        report.expect("pg_csrf_concurrent_single_use", ok,
                      f"{n} concurrent cancels with one CSRF token over both instances: "
                      + ", ".join(f"{v}x {s} {c or ''}".strip() for (s, c), v in sorted(summary.items(), key=str))
                      + " (want exactly 1x 200 and the rest 403 csrf_token_invalid)")

        inv4 = require_invitation(report, "pg_setup_invitation_4",
                                  create_invitation(ctx, api_a, tok_e, assessment_e, f"pg-{uuid.uuid4().hex[:8]}@example.com"))
        first = ctx.mail.wait_for(inv4, EMAIL_WAIT_SECONDS)
        if first:
            time.sleep(5)  # both instances run the outbox: give a second sender time to show up
        got = ctx.mail.matching(inv4)
        report.expect("pg_outbox_single_delivery", len(got) == 1,
                      f"{len(got)} messages for one invitation with two instances running "
                      f"(waited {EMAIL_WAIT_SECONDS} s + 5 s)")
    finally:
        a.stop()
        b.stop()


def log_checks(ctx, report):
    lines_bad = []
    for path in ctx.serve_logs:
        if not os.path.exists(path):
            continue
        with open(path, "rb") as f:
            for n, raw in enumerate(f.read().decode("utf-8", "replace").split("\n"), 1):
                if not raw.strip():
                    continue
                try:
                    if not isinstance(json.loads(raw), dict):
                        raise ValueError
                except ValueError:
                    lines_bad.append(f"{os.path.basename(path)}:{n}: {redact(raw[:160])}")
    report.expect("log_format_json", not lines_bad,
                  f"{len(lines_bad)} log line(s) of `serve` with LOG_FORMAT=json are not JSON objects",
                  "\n".join(lines_bad[:5]))

    text = ""
    for path in ctx.serve_logs + ctx.other_logs:
        if os.path.exists(path):
            with open(path, "rb") as f:
                text += f.read().decode("utf-8", "replace")
    leaked = collections.Counter()
    hidden = dict(ctx.hidden)
    hidden["JWT secret"] = {ctx.secret}
    hidden["email API key"] = {ctx.mail_key}
    hidden["access token"] = {t for t in ctx.minter.issued} | {t.rsplit(".", 1)[-1] for t in ctx.minter.issued
                                                               if len(t.rsplit(".", 1)[-1]) >= 20}
    for kind, values in hidden.items():
        for v in values:
            if v and v in text:
                leaked[kind] += 1
    report.expect("log_no_secrets", not leaked,
                  "found in server logs: " + ", ".join(f"{k} ({v}x)" for k, v in leaked.items()))
    low = text.lower()
    full = sorted(e for e in ctx.emails_used if e.lower() in low)
    report.expect("log_masks_emails", not full,
                  f"{len(full)} full email address(es) in server logs (STYLE: mask as j***@example.com), "
                  f"e.g. {full[0] if full else ''}")


def conventions_checks(ctx, report):
    c = ctx.conventions
    report.expect("x_request_id_on_every_response", not c.missing_request_id,
                  f"{len(c.missing_request_id)} of {c.responses} responses lack X-Request-Id",
                  "\n".join(c.missing_request_id[:5]))
    report.expect("error_body_shape", not c.bad_error_bodies,
                  f"{len(c.bad_error_bodies)} of {c.errors} error responses break "
                  f"{{detail, code, requestId}} (JSON)", "\n".join(c.bad_error_bodies[:8]))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--repo", required=True)
    args = ap.parse_args()
    report = Report()
    ctx = Ctx(args)
    print(f"interop: binary {ctx.binary}; work dir {ctx.tmp}; JWKS {ctx.jwks.base_url}; "
          f"email API {ctx.mail.base_url}", flush=True)
    try:
        ctx.migrate(ctx.settings, "sqlite")
        s = ctx.server("sqlite-server", ctx.settings)
        s.start()
        ok, why = s.wait_healthy(60)
        report.expect("server_starts", ok, why, "" if ok else srv.log_tail(s.log_path))
        if ok:
            api = Api(s.base_url, ctx.conventions)
            section(report, "platform", platform_checks, ctx, report, api)
            flow_started = time.time() - 1
            section(report, "invitation_flow", invitation_flow, ctx, report, api)
            db = ctx.settings["DATABASE_URL"][len("sqlite://"):]
            written = max((os.path.getmtime(f) for f in (db, db + "-wal", db + "-journal") if os.path.exists(f)),
                          default=0)
            report.expect("database_url_sqlite_used", written >= flow_started,
                          f"{db} (or its -wal) was not written during the flow: "
                          f"DATABASE_URL=sqlite://<path> ignored or parsed differently")
            section(report, "csrf", csrf_flow, ctx, report, api)
            section(report, "auth", auth_checks, ctx, report, api)
        s.stop()
        section(report, "email_corpus", email_corpus_checks, ctx, report)
        pg_url = os.environ.get("INTEROP_DATABASE_URL")
        if pg_url:
            if not pg_url.startswith(("postgres://", "postgresql://")):
                report.fail("pg_multi_instance", "INTEROP_DATABASE_URL is not a postgres:// URL")
            else:
                section(report, "pg_multi_instance", multi_instance_checks, ctx, report, pg_url)
        else:
            report.info("INTEROP_DATABASE_URL not set: multi-instance PostgreSQL checks skipped")
        section(report, "logs", log_checks, ctx, report)
        conventions_checks(ctx, report)
    finally:
        srv._stop_all()
        ctx.jwks.close()
        ctx.mail.close()
    if report.failed == 0 and not os.environ.get("INTEROP_KEEP"):
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    else:
        print(f"interop: logs kept in {ctx.tmp}", flush=True)
    print(f"interop: {report.passed} passed, {report.failed} failed", flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
