"""Interop checks of a built `hirebase` binary against the clients and services it meets in
production: Supabase-style access tokens (HS256 with the project secret, ES256 from a JWKS), a
Resend-style email API, python email-validator's verdicts, Stripe webhooks signed by the official
`stripe` package, plan limits, and two instances sharing PostgreSQL.
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
import subprocess
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
import stripe_events
from client import Api, ConventionLog, redact
from fakes import JwksServer, MailServer
from tokens import Minter, fixture_claim_sets, foreign_es256_key



class ChatFakeProcess:
    """The fake Chat Completions provider (`fakes.py chat`) in a process of its own, as a provider
    is: its first stdout line names its base URL; every request it accepted is a JSON line in
    `record_path` (`bodies()` reads them back)."""

    def __init__(self, tmp, api_key):
        self.record_path = os.path.join(tmp, "ai-requests.jsonl")
        self.proc = subprocess.Popen([sys.executable, "-u", os.path.join(os.path.dirname(os.path.abspath(__file__)), "fakes.py"), "chat",
                                      "--api-key", api_key, "--record", self.record_path],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("AI_API_BASE="):
            self.proc.kill()
            raise SystemExit(f"interop: the fake Chat Completions provider did not start (said {line!r})")
        self.api_base = line[len("AI_API_BASE="):]

    def bodies(self):
        if not os.path.exists(self.record_path):
            return []
        with open(self.record_path, encoding="utf-8") as f:
            return [json.loads(line)["body"] for line in f if line.strip()]

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


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
        self.ai_key = "sk-interop-" + rand_alnum(24)
        self.chat = ChatFakeProcess(self.tmp, self.ai_key)
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
            "AI_API_BASE": self.chat.api_base,
            "AI_API_KEY": self.ai_key,
            "AI_MODEL": "interop-model",
            # The checks drive a few users and many candidates from one address far faster than
            # people would: generous limits, except where a check is about the limits themselves.
            "RATE_LIMITS": "read=6000/m,write=6000/m,costly=6000/m,anonymous=6000/m",
        }
        # Plan limits would refuse the flows above after a few calls (402 plan_limit_reached): every
        # server runs with the shipped plans file but an unlimited free plan, except the billing
        # server, which checks the shipped limits.
        self.shipped_plans = os.path.join(self.repo, "config", "plans.json")
        self.settings["PLANS_FILE"] = self.unlimited_plans_file()
        self.serve_logs = []  # logs of `serve`: JSON lines expected
        self.other_logs = []  # stderr of other commands
        self.hidden = {}  # secret kind -> values that must never reach a log
        self.emails_used = set()

    def unlimited_plans_file(self):
        with open(self.shipped_plans, encoding="utf-8") as f:
            plans = json.load(f)
        free = [p for p in plans["plans"] if p.get("name") == "free"]
        if not free:
            raise SystemExit(f"interop: {self.shipped_plans} has no `free` plan")
        for plan in free:
            plan["limits"] = {k: None for k in plan["limits"]}
        path = os.path.join(self.tmp, "plans.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(plans, f, indent=2)
        return path

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


# ---- AI assistance (issue 12) -----------------------------------------------------------------

AI_CANDIDATE_NAME = "Zephyrine Quillfeather"
AI_TEXT_ANSWER = "I would profile first, then cache the hot query and add an index."


def wait_for_grading(api, tok, inv, timeout=40):
    """Polls the member's read until `grading` leaves `pending` (the background job ran)."""
    deadline = time.time() + timeout
    while True:
        r = api.get(f"/assessments/invitations/{inv}", token=tok)
        if obj(r).get("grading") != "pending" or time.time() > deadline:
            return r
        time.sleep(0.5)


def ai_flow(ctx, report, api):
    """The whole AI flow over HTTP against the fake Chat Completions provider (its own process):
    a draft from a job, draft rules, publish, an invitation, a submission graded in the background,
    a recruiter's override, the runs listed, and what the provider received."""
    tok, company, _ = setup_recruiter(ctx, report, api, "ai")
    r = api.post("/jobs", {"companyId": company, "title": "Backend Engineer (Swift)",
                           "description": "Build and scale our hiring API on PostgreSQL.",
                           "skills": ["swift", "postgresql"]}, token=tok)
    report.require("ai_job_create", expect_status(r, 201), r.describe())
    job = obj(r)["id"]

    r = api.post("/assessments/generate", {"companyId": company, "jobId": job, "questionCount": 4,
                                           "kinds": ["single_choice", "text"]}, token=tok)
    j, p = obj(r), expect_status(r, 201)
    qs = j.get("questions") if isinstance(j.get("questions"), list) else []
    if j.get("status") != "draft":
        p.append(f"status {j.get('status')!r} != 'draft'")
    if not is_uuid(j.get("aiRunId")):
        p.append("no uuid `aiRunId`")
    if len(qs) != 4:
        p.append(f"{len(qs)} questions, asked for 4")
    if any(q.get("kind") not in ("single_choice", "text") for q in qs):
        p.append("a question of a kind not asked for")
    if any(q.get("kind") == "text" and not q.get("rubric") for q in qs):
        p.append("a text question without a rubric")
    report.require("ai_generate_draft", p, r.describe())
    draft = j["id"]

    r = create_invitation(ctx, api, tok, draft, f"ai-early-{uuid.uuid4().hex[:6]}@example.com")
    report.expect("ai_draft_not_sendable_409", expect_status(r, 409), r.describe())

    r = api.request("PATCH", f"/assessments/{draft}", token=tok, body={"title": "Swift backend screen", "passingScore": 50})
    report.expect("ai_draft_patch", expect_status(r, 200) + ([] if obj(r).get("title") == "Swift backend screen" else ["title not changed"]),
                  r.describe())
    r = api.post(f"/assessments/{draft}/publish", token=tok)
    report.require("ai_publish", expect_status(r, 200) + ([] if obj(r).get("status") == "published" else ["status != published"]),
                   r.describe())
    r = api.request("PATCH", f"/assessments/{draft}", token=tok, body={"title": "Too late"})
    report.expect("ai_published_patch_409", expect_status(r, 409), r.describe())

    email = f"ai.cand-{uuid.uuid4().hex[:6]}@example.com"
    r = create_invitation(ctx, api, tok, draft, email, AI_CANDIDATE_NAME)
    inv = require_invitation(report, "ai_invitation_create", r)
    msgs = ctx.mail.wait_for(inv, EMAIL_WAIT_SECONDS)
    report.require("ai_invitation_email", bool(msgs), f"no e-mail for {inv} within {EMAIL_WAIT_SECONDS} s")
    match = LINK_RE.search(msgs[0]["json"].get("text") or "")
    report.require("ai_invitation_link", bool(match), "no link in the e-mail")
    token = unquote(match.group(2))
    ctx.hide("invitation token", token)

    answers = []
    for q in qs:
        if q["kind"] == "text":
            answers.append({"questionId": q["id"], "answer": AI_TEXT_ANSWER})
        else:
            answers.append({"questionId": q["id"], "answer": (q.get("correct") or q["choices"])[0]})
    r = api.post(f"/assessments/invitations/{inv}/submit", {"token": token, "answers": answers})
    j, p = obj(r), expect_status(r, 200)
    if j.get("grading") != "pending":
        p.append(f"grading {j.get('grading')!r} != 'pending'")
    if j.get("score") is not None:
        p.append("a score before the free-text answers are graded")
    report.require("ai_submit_grading_pending", p, r.describe())

    r = wait_for_grading(api, tok, inv)
    j, p = obj(r), expect_status(r, 200)
    grades = j.get("grades") if isinstance(j.get("grades"), list) else []
    text_ids = {q["id"] for q in qs if q["kind"] == "text"}
    if j.get("grading") != "done":
        p.append(f"grading {j.get('grading')!r} != 'done'")
    if {g.get("questionId") for g in grades} != text_ids:
        p.append(f"grades for {sorted(g.get('questionId') for g in grades)}, text questions {sorted(text_ids)}")
    if any(g.get("gradedBy") != "ai" or not is_uuid(g.get("aiRunId")) or not g.get("rationale") for g in grades):
        p.append("a grade without gradedBy ai, its run id or a rationale")
    if not isinstance(j.get("score"), int):
        p.append(f"score {j.get('score')!r} is not final once every question is graded")
    report.require("ai_background_grading_done", p, r.describe())

    qid = sorted(text_ids)[0]
    csrf = api.get("/csrf-token", token=tok)
    headers = {"X-CSRF-Token": obj(csrf).get("csrfToken", "")}
    r = api.post(f"/assessments/invitations/{inv}/grades", {"grades": [{"questionId": qid, "points": 0, "rationale": "Reviewed: off topic."}]},
                 token=tok, headers=headers)
    j, p = obj(r), expect_status(r, 200)
    mine = [g for g in (j.get("grades") or []) if g.get("questionId") == qid]
    if not mine or mine[0].get("gradedBy") != "member" or mine[0].get("points") != 0:
        p.append(f"the override is not recorded as the member's: {mine}")
    elif not mine[0].get("gradedById") or not mine[0].get("gradedAt"):
        p.append("the override does not say who and when")
    report.expect("ai_grade_override", p, r.describe())

    r = api.get(f"/ai-runs?companyId={company}", token=tok)
    j, p = obj(r), expect_status(r, 200)
    runs = j.get("items") if isinstance(j.get("items"), list) else []
    purposes = {x.get("purpose") for x in runs}
    if not {"assessment_generation", "answer_grading"} <= purposes:
        p.append(f"purposes {sorted(purposes)}")
    for x in runs:
        if not (isinstance(x.get("inputTokens"), int) and x.get("inputTokens") > 0 and x.get("promptVersion") and x.get("model")):
            p.append(f"run without tokens, prompt version or model: {x}")
            break
    report.expect("ai_runs_listed", p, r.describe())
    r = api.get(f"/ai-runs?companyId={company}&purpose=answer_grading", token=tok)
    runs = obj(r).get("items") or []
    report.expect("ai_runs_purpose_filter", expect_status(r, 200) + ([] if runs and all(x.get("purpose") == "answer_grading" for x in runs)
                                                                     else ["filter not applied"]), r.describe())

    bodies = ctx.chat.bodies()
    sent = "\n".join(json.dumps(b) for b in bodies)
    p = []
    if AI_CANDIDATE_NAME in sent or email in sent or email.split("@")[0] in sent:
        p.append("the candidate's name or e-mail reached the provider")
    if AI_TEXT_ANSWER not in sent:
        p.append("the answer text never reached the provider")
    if not all(b.get("response_format", {}).get("type") == "json_schema" for b in bodies):
        p.append("a call without response_format json_schema")
    report.expect("ai_provider_received_no_candidate_identity", p, f"{len(bodies)} requests received")

    before = obj(api.get(f"/assessments?companyId={company}", token=tok)).get("items") or []
    r = api.post("/assessments/generate", {"companyId": company, "description": "FAKE_AI_BREAK_RULES: any role", "questionCount": 3},
                 token=tok)
    report.expect("ai_rule_breaking_answer_502", expect_status(r, 502, "upstream_error"), r.describe())
    after = obj(api.get(f"/assessments?companyId={company}", token=tok)).get("items") or []
    report.expect("ai_nothing_half_stored", len(after) == len(before), f"{len(before)} assessments before, {len(after)} after a 502")
    for word, name in (("FAKE_AI_500", "ai_provider_500_is_502"), ("FAKE_AI_NON_JSON", "ai_provider_non_json_is_502")):
        r = api.post("/assessments/generate", {"companyId": company, "description": f"{word}: any role"}, token=tok)
        report.expect(name, expect_status(r, 502, "upstream_error"), r.describe())


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


def concurrently(n, call):
    """Runs call(i) for i in 0..<n on n threads released together; -> results (or exceptions) by i."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        try:
            barrier.wait(timeout=10)
            results[i] = call(i)
        except Exception as e:  # noqa: BLE001
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def outcome_counts(results):
    """(status, code) -> how many of the results had it (exceptions by type and text)."""
    return collections.Counter(
        (r.status, obj(r).get("code")) if hasattr(r, "status") else (type(r).__name__, str(r)) for r in results)


def describe_counts(summary):
    return ", ".join(f"{v}x {s} {c or ''}".strip() for (s, c), v in sorted(summary.items(), key=str))


# The costly class of the two PostgreSQL instances: per hour, so that no refill happens mid-check.
PG_COSTLY_LIMIT = 6


def multi_instance_checks(ctx, report, url):
    settings = dict(ctx.settings, DATABASE_URL=url,
                    RATE_LIMITS=f"read=6000/m,write=6000/m,costly={PG_COSTLY_LIMIT}/h,anonymous=6000/m")
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
        results = concurrently(n, lambda i: cancel(api_a if i % 2 == 0 else api_b, inv3, tok_e, csrf3))
        summary = outcome_counts(results)
        successes = sum(v for (s, _), v in summary.items() if s == 200)
        refusals = sum(v for (s, c), v in summary.items() if s == 403 and c == "csrf_token_invalid")
        ok = successes == 1 and refusals == n - 1
        report.expect("pg_csrf_concurrent_single_use", ok,
                      f"{n} concurrent cancels with one CSRF token over both instances: "
                      + describe_counts(summary) + " (want exactly 1x 200 and the rest 403 csrf_token_invalid)")

        inv4 = require_invitation(report, "pg_setup_invitation_4",
                                  create_invitation(ctx, api_a, tok_e, assessment_e, f"pg-{uuid.uuid4().hex[:8]}@example.com"))
        first = ctx.mail.wait_for(inv4, EMAIL_WAIT_SECONDS)
        if first:
            time.sleep(5)  # both instances run the outbox: give a second sender time to show up
        got = ctx.mail.matching(inv4)
        report.expect("pg_outbox_single_delivery", len(got) == 1,
                      f"{len(got)} messages for one invitation with two instances running "
                      f"(waited {EMAIL_WAIT_SECONDS} s + 5 s)")

        # The costly class is exact across instances: 3N concurrent costly calls of one user, spread
        # over both instances, get exactly N through (400 here: an empty body still costs a call)
        # and the rest 429 rate_limited with Retry-After.
        _, tok_r = ctx.minter.user(email=f"pg-rate-{uuid.uuid4().hex[:6]}@example.com")
        n = 3 * PG_COSTLY_LIMIT
        results = concurrently(n, lambda i: (api_a if i % 2 == 0 else api_b).post("/match-candidates", {}, token=tok_r))
        summary = outcome_counts(results)
        passed = sum(v for (s, _), v in summary.items() if s == 400)
        limited = [r for r in results if hasattr(r, "status") and r.status == 429 and obj(r).get("code") == "rate_limited"]
        with_retry = [r for r in limited if (r.header("Retry-After") or "").isdigit()]
        report.expect("pg_costly_limit_exact_across_instances",
                      passed == PG_COSTLY_LIMIT and len(limited) == n - PG_COSTLY_LIMIT and len(with_retry) == len(limited),
                      f"costly={PG_COSTLY_LIMIT}/h, {n} concurrent POST /match-candidates over both instances: "
                      + describe_counts(summary) + f" (want exactly {PG_COSTLY_LIMIT}x 400 and {n - PG_COSTLY_LIMIT}x 429 rate_limited with Retry-After)")
    finally:
        a.stop()
        b.stop()


# ---- billing: plan limits and Stripe webhooks -----------------------------------------------

SHIPPED_LIMITS = {"free": {"ai_assessments": 3, "candidate_matching": 20, "job_scraping": 10, "ai_generations": 5},
                  "pro": {"ai_assessments": 100, "candidate_matching": 1000, "job_scraping": 500, "ai_generations": 200}}
PRO_PRICE, PRO_AMOUNT = "price_pro_monthly", 4900


def consume_feature(api, tok, feature, times):
    return [api.post("/verify-billing", {"feature": feature, "consume": True}, token=tok) for _ in range(times)]


def subscription_status(report, name, api, tok):
    r = api.get("/subscription-status", token=tok)
    j = obj(r)
    usage = j.get("usage") if isinstance(j.get("usage"), dict) else {}
    p = expect_status(r, 200) + ([] if usage else ["no `usage` object"])
    if p:  # only a failure is reported: the caller's check judges the answer
        report.require(name, p, r.describe())
    return j, usage, r


def usage_of(usage, feature):
    u = usage.get(feature)
    return u if isinstance(u, dict) else {}


def unlimited_plan_check(ctx, report, api):
    """Every server but the billing one gets PLANS_FILE with an unlimited free plan: honoured?"""
    _, tok = ctx.minter.user()
    rs = consume_feature(api, tok, "job_scraping", 12)
    bad = [f"#{i + 1}: {r.describe(200)}" for i, r in enumerate(rs)
           if r.status != 200 or obj(r).get("allowed") is not True or obj(r).get("limit") is not None]
    report.expect("plans_file_unlimited_free_plan", not bad,
                  f"PLANS_FILE={ctx.settings['PLANS_FILE']} (free plan without limits): 12 job_scraping "
                  f"consumptions should all be allowed with limit null; {len(bad)} were not", "\n".join(bad[:3]))


def shipped_limit_checks(ctx, report, api):
    """The shipped plans file: the free plan allows 10 job_scraping a month."""
    _, tok = ctx.minter.user()
    rs = consume_feature(api, tok, "job_scraping", 12)
    got = [(r.status, obj(r).get("allowed"), obj(r).get("used"), obj(r).get("limit")) for r in rs]
    want = [(200, True, i + 1, 10) for i in range(10)] + [(200, False, 10, 10)] * 2
    p = [f"#{i + 1}: (status, allowed, used, limit) = {g}, expected {w}" for i, (g, w) in enumerate(zip(got, want)) if g != w]
    for i, r in enumerate(rs):
        j = obj(r)
        missing = [k for k in ("allowed", "plan", "feature", "used", "limit", "remaining", "periodEnd") if k not in j]
        if r.status == 200 and missing:
            p.append(f"#{i + 1}: keys {missing} missing")
        if r.status == 200 and j.get("plan") != "free":
            p.append(f"#{i + 1}: plan {j.get('plan')!r} != 'free'")
        if r.status == 200 and isinstance(j.get("used"), int) and j.get("remaining") != 10 - j["used"]:
            p.append(f"#{i + 1}: remaining {j.get('remaining')!r} != limit - used")
    report.expect("plan_free_job_scraping_limit_10", p[:4], rs[-1].describe())
    j, usage, r = subscription_status(report, "plan_free_subscription_status", api, tok)
    p = []
    if j.get("plan") != "free":
        p.append(f"plan {j.get('plan')!r} != 'free'")
    u = usage_of(usage, "job_scraping")
    if (u.get("used"), u.get("limit")) != (10, 10):
        p.append(f"usage.job_scraping {u} is not used 10, limit 10")
    for feature in ("ai_assessments", "candidate_matching", "ai_generations"):
        u = usage_of(usage, feature)
        if (u.get("used"), u.get("limit")) != (0, SHIPPED_LIMITS["free"][feature]):
            p.append(f"usage.{feature} {u} is not used 0, limit {SHIPPED_LIMITS['free'][feature]}")
    report.expect("plan_free_usage_reported", p, r.describe())


class Deliverer:
    """POSTs raw event bodies to /webhooks/stripe, signed with stripe-python."""

    def __init__(self, api, report, secrets_):
        self.api = api
        self.report = report
        self.secrets = secrets_

    def post(self, body, header):
        headers = {"Content-Type": "application/json"}
        if header is not None:
            headers["Stripe-Signature"] = header
        return self.api.request("POST", "/webhooks/stripe", raw_body=body, headers=headers)

    def send(self, event, secret=None, timestamp=None):
        body = stripe_events.body_of(event)
        secret = secret or self.secrets[0]
        header = stripe_events.sign(body, secret, timestamp)
        if timestamp is None and not stripe_events.library_accepts(body, header, secret):
            raise AssertionError("stripe-python refuses its own signature: the checks are broken")
        return self.post(body, header)


def ack(r, duplicate=False, ignored=False):
    """Problems with a 200 acknowledgement."""
    j, p = obj(r), expect_status(r, 200)
    if r.status == 200:
        if j.get("duplicate", False) is not duplicate:
            p.append(f"duplicate {j.get('duplicate')!r}, expected {duplicate}")
        if j.get("ignored", False) is not ignored:
            p.append(f"ignored {j.get('ignored')!r}, expected {ignored}")
    return p


def refused_signature(r):
    p = expect_status(r, 401, "invalid_webhook_signature")
    if obj(r).get("detail") != "Invalid webhook signature":
        p.append(f"detail {obj(r).get('detail')!r} != 'Invalid webhook signature'")
    return p


def epoch_of(s):
    t = parse_time(s)
    return int(t.timestamp()) if t else None


def stripe_webhook_checks(ctx, report, api, webhook_secrets):
    fx = stripe_events.StripeFixtures(ctx.fixtures / "stripe")
    report.require("stripe_fixtures_present", not fx.missing,
                   f"missing under {ctx.fixtures / 'stripe'}: {', '.join(fx.missing)}")
    d = Deliverer(api, report, webhook_secrets)
    now = int(time.time())
    period_start, period_end = now - 86400, now - 86400 + 30 * 86400

    def stripe_user():
        user_id, tok = ctx.minter.user()
        ids = {"sub_id": stripe_events.new_id("sub"), "customer_id": stripe_events.new_id("cus"),
               "item_id": stripe_events.new_id("si")}
        return user_id, tok, ids

    def sub_event(event_type, event_created, user_id, ids, status="active", **kw):
        return fx.subscription_event(event_type, event_created, user_id=user_id, status=status, price_id=PRO_PRICE,
                                     amount=PRO_AMOUNT, period_start=period_start, period_end=period_end,
                                     **ids, **kw)

    # -- signatures: every refusal uses one event id, later delivered correctly (nothing stored) --
    user2, tok2, ids2 = stripe_user()
    ev = sub_event("customer.subscription.created", now - 50, user2, ids2, sub_created=now - 50)
    body = stripe_events.body_of(ev)
    header = stripe_events.sign(body, webhook_secrets[0])
    tampered = body.replace(PRO_PRICE.encode(), b"price_business_monthly")
    r = d.post(tampered, header)
    report.expect("stripe_webhook_tampered_body_401", refused_signature(r),
                  f"signed body, then price_pro_monthly -> price_business_monthly :: {r.describe()}")
    r = d.post(body, stripe_events.sign(body, stripe_events.new_secret()))
    report.expect("stripe_webhook_wrong_secret_401", refused_signature(r), r.describe())
    old = now - stripe_events.TOLERANCE - 60
    r = d.post(body, stripe_events.sign(body, webhook_secrets[0], timestamp=old))
    report.expect("stripe_webhook_timestamp_older_than_300s_401", refused_signature(r),
                  f"signed at now-{stripe_events.TOLERANCE + 60}s :: {r.describe()}")
    r = d.post(body, None)
    report.expect("stripe_webhook_missing_signature_401", refused_signature(r), r.describe())
    j, usage, r = subscription_status(report, "stripe_refused_events_not_applied", api, tok2)
    report.expect("stripe_refused_events_not_applied", j.get("plan") == "free",
                  f"after only refused deliveries the user's plan is {j.get('plan')!r}, not 'free' :: {r.describe()}")
    # Rotation: two secrets configured, this one signed with the second.
    r = d.send(ev, secret=webhook_secrets[1])
    report.expect("stripe_webhook_rotation_second_secret_200", ack(r),
                  f"STRIPE_WEBHOOK_SECRET has 2 secrets, signed with the 2nd; same event id as the refused "
                  f"deliveries (so a `duplicate` here means a refused one was stored) :: {r.describe()}")
    j, usage, r = subscription_status(report, "stripe_rotation_applied", api, tok2)
    report.expect("stripe_rotation_applied", (j.get("plan"), j.get("status")) == ("pro", "active"),
                  f"plan/status {j.get('plan')!r}/{j.get('status')!r}, expected pro/active :: {r.describe()}")

    b = stripe_events.body_of(fx.plan_created(now))
    r = d.post(b, stripe_events.sign_many(b, [stripe_events.new_secret(), webhook_secrets[0]], int(time.time())))
    report.expect("stripe_webhook_several_v1_one_valid_200", ack(r, ignored=True),
                  f"header t=..,v1=<unknown secret>,v1=<configured secret> :: {r.describe()}")
    r = d.send(fx.plan_created(now), timestamp=now - stripe_events.TOLERANCE + 60)
    report.expect("stripe_webhook_timestamp_within_300s_200", ack(r, ignored=True),
                  f"signed at now-{stripe_events.TOLERANCE - 60}s :: {r.describe()}")
    r = d.send(fx.plan_created(now))
    report.expect("stripe_webhook_unhandled_type_ignored", ack(r, ignored=True), r.describe())

    # -- one user's subscription: updated arrives before the older created --
    user, tok, ids = stripe_user()
    updated = sub_event("customer.subscription.updated", now - 60, user, ids, sub_created=now - 3600,
                        previous_attributes={"status": "incomplete"})
    r = d.send(updated)
    report.require("stripe_subscription_updated_200", ack(r), r.describe())
    j, usage, r = subscription_status(report, "stripe_subscription_status_after_updated", api, tok)
    p = []
    if (j.get("plan"), j.get("status")) != ("pro", "active"):
        p.append(f"plan/status {j.get('plan')!r}/{j.get('status')!r}, expected pro/active")
    for feature, limit in SHIPPED_LIMITS["pro"].items():
        if usage_of(usage, feature).get("limit") != limit:
            p.append(f"usage.{feature}.limit {usage_of(usage, feature).get('limit')!r} != {limit}")
    if j.get("userId") != user:
        p.append(f"userId {j.get('userId')!r} != {user}")
    if epoch_of(j.get("currentPeriodEnd")) != period_end:
        p.append(f"currentPeriodEnd {j.get('currentPeriodEnd')!r} is not items.data[0].current_period_end "
                 f"({datetime.datetime.fromtimestamp(period_end, datetime.timezone.utc).isoformat()})")
    if j.get("cancelAtPeriodEnd") is not False:
        p.append(f"cancelAtPeriodEnd {j.get('cancelAtPeriodEnd')!r} != false")
    report.expect("stripe_subscription_pro_active_limits", p, r.describe())

    r = d.send(sub_event("customer.subscription.created", now - 3600, user, ids, status="incomplete",
                         sub_created=now - 3600))
    report.expect("stripe_older_created_event_200", ack(r), r.describe())
    j, usage, r = subscription_status(report, "stripe_subscription_status_after_older", api, tok)
    report.expect("stripe_older_event_keeps_newer_state",
                  (j.get("plan"), j.get("status"), usage_of(usage, "ai_assessments").get("limit")) == ("pro", "active", 100),
                  f"`created` (event created now-3600, status incomplete) sent after `updated` (now-60, active): "
                  f"plan/status {j.get('plan')!r}/{j.get('status')!r} :: {r.describe()}")

    # -- replays --
    r = d.send(updated)  # a retry: same event, signed anew
    r2 = d.post(stripe_events.body_of(updated), stripe_events.sign(stripe_events.body_of(updated), webhook_secrets[0]))
    report.expect("stripe_replay_acknowledged_duplicate", ack(r, duplicate=True) + ack(r2, duplicate=True),
                  f"{r.describe()} || {r2.describe()}")
    cancelling = sub_event("customer.subscription.updated", now - 30, user, ids, sub_created=now - 3600,
                           cancel_at_period_end=True, previous_attributes={"cancel_at_period_end": False})
    cbody = stripe_events.body_of(cancelling)
    n = 6
    results = concurrently(n, lambda i: d.post(cbody, stripe_events.sign(cbody, webhook_secrets[0])))
    summary = collections.Counter(
        (r.status, obj(r).get("duplicate"), obj(r).get("code")) if hasattr(r, "status") else (type(r).__name__, str(r), None)
        for r in results)
    applied = sum(v for (s, dup, _), v in summary.items() if s == 200 and dup is False)
    dups = sum(v for (s, dup, _), v in summary.items() if s == 200 and dup is True)
    report.expect("stripe_concurrent_deliveries_applied_once", applied == 1 and dups == n - 1,
                  f"{n} concurrent deliveries of one event: "
                  + ", ".join(f"{v}x {s} duplicate={dup}{' ' + c if c else ''}" for (s, dup, c), v in
                              sorted(summary.items(), key=str))
                  + " (want 1x 200 duplicate=false and the rest 200 duplicate=true)")
    j, usage, r = subscription_status(report, "stripe_subscription_status_after_replays", api, tok)
    report.expect("stripe_state_after_replays",
                  (j.get("status"), j.get("cancelAtPeriodEnd")) == ("active", True),
                  f"status/cancelAtPeriodEnd {j.get('status')!r}/{j.get('cancelAtPeriodEnd')!r}, "
                  f"expected active/true :: {r.describe()}")

    # -- a failed payment (newer event): past_due, back to the free limits --
    r = d.send(fx.invoice_payment_failed(created=now, price_id=PRO_PRICE, amount=PRO_AMOUNT,
                                         period_start=period_start, period_end=period_end, **ids))
    report.expect("stripe_invoice_payment_failed_200", ack(r), r.describe())
    j, usage, r = subscription_status(report, "stripe_subscription_status_after_failed_payment", api, tok)
    p = []
    if j.get("status") != "past_due":
        p.append(f"status {j.get('status')!r} != 'past_due'")
    for feature, limit in SHIPPED_LIMITS["free"].items():
        if usage_of(usage, feature).get("limit") != limit:
            p.append(f"usage.{feature}.limit {usage_of(usage, feature).get('limit')!r} != {limit} (free)")
    report.expect("stripe_past_due_free_limits", p, r.describe())


def billing_checks(ctx, report):
    """Its own server: the shipped plans file and two webhook secrets (rotation)."""
    webhook_secrets = [stripe_events.new_secret(), stripe_events.new_secret()]
    for s in webhook_secrets:
        ctx.hide("Stripe webhook secret", s)
    settings = dict(ctx.settings, DATABASE_URL=f"sqlite://{ctx.tmp}/billing.sqlite", PLANS_FILE=ctx.shipped_plans,
                    STRIPE_WEBHOOK_SECRET=",".join(webhook_secrets))
    ctx.migrate(settings, "billing")
    s = ctx.server("billing-server", settings)
    s.start()
    try:
        ok, why = s.wait_healthy(60)
        report.require("billing_server_starts", ok, why, "" if ok else srv.log_tail(s.log_path))
        api = Api(s.base_url, ctx.conventions)
        section(report, "plan_limits", shipped_limit_checks, ctx, report, api)
        section(report, "stripe_webhooks", stripe_webhook_checks, ctx, report, api, webhook_secrets)
    finally:
        s.stop()


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
    hidden["AI API key"] = {ctx.ai_key}
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
            section(report, "ai_flow", ai_flow, ctx, report, api)
            section(report, "auth", auth_checks, ctx, report, api)
            section(report, "plans_file", unlimited_plan_check, ctx, report, api)
        s.stop()
        section(report, "billing", billing_checks, ctx, report)
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
        ctx.chat.close()
    if report.failed == 0 and not os.environ.get("INTEROP_KEEP"):
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    else:
        print(f"interop: logs kept in {ctx.tmp}", flush=True)
    print(f"interop: {report.passed} passed, {report.failed} failed", flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
