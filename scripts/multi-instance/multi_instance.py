"""Hirebase as it is deployed: one PostgreSQL, PgBouncer in transaction mode, nginx in front of two
`hirebase serve` processes, a Resend-style e-mail API on loopback. The whole set of checks runs
twice: once with DATABASE_URL on PostgreSQL directly, once through PgBouncer (DATABASE_DIRECT_URL
direct). Each check prints its counts; any count that differs from the expected one fails the run.

  a  200 invitations over both instances while the e-mail API fails 30% of calls: every e-mail
     delivered exactly once (distinct deliveries per recipient; Idempotency-Key honoured), dead jobs 0
  b  one instance killed with SIGKILL while it holds job leases (the e-mail API slow): the other
     finishes those jobs, every e-mail delivered once
  c  the same signed Stripe event sent to both instances at the same moment, 20 times: applied once
  d  PostgreSQL stopped for a few seconds under load: 503 with Retry-After, no 500, no answer slower
     than the bound, and the same processes answer 200 afterwards
  e  a reminder sent once for an invitation near expiry and none for a completed one
  f  SIGTERM to one instance during a burst through nginx: every request answered; an in-flight
     slow request answered; the process exits within drain + grace

Run through scripts/multi-instance/run. `--only c,d,f` runs a subset."""

import argparse
import collections
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))

import infra  # noqa: E402
import server as srv  # noqa: E402
import stripe_events  # noqa: E402
from client import Api, ConventionLog  # noqa: E402
from interop import (ANSWERS, LINK_RE, PRO_AMOUNT, PRO_PRICE, PUBLIC_APP_URL, Report, StopSection,  # noqa: E402
                     concurrently, expect_status, obj, rand_alnum, setup_recruiter)
from tokens import Minter  # noqa: E402
from pathlib import Path  # noqa: E402

CHECKS = "abcdef"
INVITATIONS_A = 200
INVITATIONS_B = 10
EVENTS_C = 20
LEASE_SECONDS = 3
DRAIN_SECONDS = 2
GRACE_SECONDS = 10
# The longest an answer may take while PostgreSQL is away (check d).
BOUND_SECONDS = float(os.environ.get("MI_BOUND_SECONDS", "15"))
OUTAGE_SECONDS = 4


class Ctx:
    def __init__(self, args):
        self.binary = os.path.abspath(args.binary)
        self.repo = os.path.abspath(args.repo)
        self.fixtures = Path(os.environ.get("INTEROP_FIXTURES") or Path(self.repo).parent / "shared" / "fixtures")
        self.only = args.only
        self.tmp = tempfile.mkdtemp(prefix="hirebase-multi.")
        self.mail_key = "re_" + rand_alnum(32)
        self.mail = infra.FlakyMailServer(self.mail_key)
        self.mail.httpd.handle_error = lambda request, address: None  # a killed sender's broken pipe
        self.secret = rand_alnum(40)
        self.webhook_secret = stripe_events.new_secret()
        self.minter = Minter(self.secret, "http://127.0.0.1/auth/v1", None, None)
        self.conventions = ConventionLog()
        self.emails_used = set()
        self.slow_page = infra.SlowPage(delay=3)
        self.counts = collections.OrderedDict()  # (pass, check) -> summary line

    def plans_file(self):
        with open(os.path.join(self.repo, "config", "plans.json"), encoding="utf-8") as f:
            plans = json.load(f)
        for plan in plans["plans"]:
            if plan.get("name") == "free":
                plan["limits"] = {k: None for k in plan["limits"]}
        path = os.path.join(self.tmp, "plans.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(plans, f)
        return path

    def settings(self, database_url, direct_url):
        s = {
            "HIREBASE_ENV": "testing",
            "DATABASE_URL": database_url,
            "SUPABASE_JWT_SECRET": self.secret,
            "EMAIL_PROVIDER": "resend",
            "EMAIL_API_BASE": self.mail.base_url,
            "EMAIL_API_KEY": self.mail_key,
            "EMAIL_FROM": "hirebase@example.com",
            "EMAIL_MAX_ATTEMPTS": "20",
            "EMAIL_RETRY_BASE_SECONDS": "0.2",
            "EMAIL_POLL_SECONDS": "0.5",
            "JOB_WORKERS": "2",
            "JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "JOB_POLL_SECONDS": "0.5",
            "INVITATION_REMINDER_HOURS": "0",
            "SWEEP_INTERVAL_SECONDS": "1",
            "PUBLIC_APP_URL": PUBLIC_APP_URL,
            "STRIPE_WEBHOOK_SECRET": self.webhook_secret,
            "PLANS_FILE": self.plans_file(),
            "RATE_LIMITS": "read=60000/m,write=60000/m,costly=60000/m,anonymous=60000/m",
            "TRUSTED_PROXIES": "127.0.0.1",
            "SCRAPE_ALLOW_PRIVATE_HOSTS": f"127.0.0.1:{self.slow_page.port}",
            "SHUTDOWN_DRAIN_SECONDS": str(DRAIN_SECONDS),
            "SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
            "LOG_FORMAT": "json",
        }
        if direct_url != database_url:
            s["DATABASE_DIRECT_URL"] = direct_url
        return s

    def record(self, run, check, line):
        self.counts[(run, check)] = line
        print(f"  [{run}] {check}: {line}", flush=True)


class Instance:
    """One `hirebase serve` (srv.ServerProcess) that keeps its port across restarts."""

    def __init__(self, ctx, name, settings):
        self.ctx = ctx
        self.name = name
        self.process = srv.ServerProcess(ctx.binary, srv.server_env(settings), os.path.join(ctx.tmp, f"{name}.log"),
                                         ctx.repo, name)
        self.port = self.process.port
        self.base_url = self.process.base_url
        self.api = Api(self.base_url, ctx.conventions, timeout=40)

    @property
    def pid(self):
        return self.process.proc.pid if self.process.proc else None

    def alive(self):
        return self.process.proc is not None and self.process.proc.poll() is None

    def start(self, settings=None):
        if settings is not None:
            self.process.env = srv.server_env(settings)
        self.process.start()

    def wait_healthy(self, timeout=90):
        ok, why = self.process.wait_healthy(timeout)
        if not ok:
            raise RuntimeError(f"{why}\n{srv.log_tail(self.process.log_path, 20)}")
        self.ctx.mail.pids[self.name] = self.pid

    def kill(self):
        os.killpg(self.pid, signal.SIGKILL)
        self.process.proc.wait(timeout=10)
        self.process.stop()  # closes the log, forgets the process

    def terminate_and_wait(self, timeout):
        """SIGTERM to the process itself; -> (exit status, seconds until it exited) or (None, timeout)."""
        started = time.time()
        os.kill(self.pid, signal.SIGTERM)
        try:
            code = self.process.proc.wait(timeout=timeout)
        except Exception:  # noqa: BLE001
            return None, timeout
        took = time.time() - started
        self.process.stop()
        return code, took


def wait_until(predicate, timeout, step=0.25):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() >= deadline:
            return value
        time.sleep(step)


def parallel(n_threads, items, call):
    """call(item) for every item over n_threads; -> results in order (exceptions as values)."""
    results = [None] * len(items)
    lock = threading.Lock()
    next_index = [0]

    def worker():
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= len(items):
                return
            try:
                results[i] = call(items[i])
            except Exception as e:  # noqa: BLE001
                results[i] = e

    threads = [threading.Thread(target=worker) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def status_counts(results):
    c = collections.Counter()
    for r in results:
        c[r.status if hasattr(r, "status") else type(r).__name__] += 1
    return dict(sorted(c.items(), key=lambda kv: str(kv[0])))


class Run:
    """One pass of the checks over one database URL (direct or pooled)."""

    def __init__(self, ctx, report, name, cluster, database_url, direct_url):
        self.ctx, self.report, self.name = ctx, report, name
        self.cluster = cluster
        self.url, self.direct = database_url, direct_url
        self.settings = ctx.settings(database_url, direct_url)
        self.a = Instance(ctx, f"{name}-A", self.settings)
        self.b = Instance(ctx, f"{name}-B", self.settings)
        self.nginx = infra.Nginx(ctx.tmp, srv.free_port(), self.a.port, self.b.port)
        self.lb = Api(self.nginx.base_url, ctx.conventions, timeout=60)
        self.mail = ctx.mail

    # -- helpers --

    def check(self, name, ok, why=""):
        return self.report.expect(f"{self.name}.{name}", ok, why)

    def sql(self, statement):
        return infra.psql(self.direct, statement)

    def jobs_table_present(self):
        try:
            return self.sql("SELECT to_regclass('background_jobs') IS NOT NULL")[0][0] == "t"
        except Exception:  # noqa: BLE001
            return False

    def dead_jobs(self):
        return int(self.sql("SELECT count(*) FROM background_jobs WHERE status = 'dead'")[0][0])

    def job_counts(self):
        return {k: int(v) for k, v in self.sql("SELECT status, count(*) FROM background_jobs GROUP BY status ORDER BY status")}

    def invitation_mails(self, recipients):
        """recipient -> number of distinct invitation e-mails (not reminders) accepted for it."""
        by = self.mail.deliveries()
        return {r: sum(1 for m in by.get(r.lower(), []) if not str(m["json"].get("subject", "")).startswith("Reminder:"))
                for r in recipients}

    def reminder_mails(self, recipient):
        return [m for m in self.mail.deliveries().get(recipient.lower(), [])
                if str(m["json"].get("subject", "")).startswith("Reminder:")]

    def create_invitation(self, api, email, hours=None):
        body = {"assessmentId": self.assessment, "candidateEmail": email}
        if hours is not None:
            body["expiresInHours"] = hours
        self.ctx.emails_used.add(email)
        return api.post("/assessments/invitations/create", body, token=self.token)

    def mail_counts_since(self, before):
        now = dict(self.mail.counts)
        return {k: now.get(k, 0) - before.get(k, 0) for k in sorted(set(now) | set(before))}

    def require_job_queue(self, check):
        if not self.jobs_table_present():
            self.check(f"{check}_job_queue_present", False,
                       "no background_jobs table: the database job queue (issue 10 item 1) is not in this build")
            raise StopSection(check)

    # -- set-up and tear-down --

    def start(self):
        log = os.path.join(self.ctx.tmp, f"{self.name}-migrate.log")
        p = srv.run_command(self.ctx.binary, ["migrate", "--yes"],
                            srv.server_env(dict(self.settings, DATABASE_URL=self.direct)), self.ctx.repo, log, timeout=180)
        if p.returncode != 0:
            raise RuntimeError(f"hirebase migrate --yes exited {p.returncode}: {srv.log_tail(log, 15)}")
        self.a.start()
        self.b.start()
        self.a.wait_healthy()
        self.b.wait_healthy()
        self.nginx.start()
        self.token_email = f"mi-recruiter-{uuid.uuid4().hex[:6]}@example.com"
        self.token, self.company, self.assessment = setup_recruiter(self.ctx, self.report, self.lb, self.name,
                                                                    email=self.token_email)

    def stop(self):
        for inst in (self.a, self.b):
            inst.process.stop()
        self.nginx.stop()

    # -- a: a flaky e-mail API --

    def check_a(self):
        self.require_job_queue("a")
        before = dict(self.mail.counts)
        self.mail.configure(failure_rate=0.3, delay=0)
        tag = uuid.uuid4().hex[:6]
        recipients = [f"mi-a-{tag}-{i}@example.com" for i in range(INVITATIONS_A)]
        started = time.time()
        results = parallel(8, list(enumerate(recipients)),
                           lambda ie: self.create_invitation(self.a.api if ie[0] % 2 == 0 else self.b.api, ie[1]))
        created = sum(1 for r in results if hasattr(r, "status") and r.status == 201)
        all_in = wait_until(lambda: all(n >= 1 for n in self.invitation_mails(recipients).values()), 150, 0.5)
        took = time.time() - started
        time.sleep(LEASE_SECONDS + 1)  # room for a second delivery to show up
        self.mail.configure(failure_rate=0)
        counts = collections.Counter(self.invitation_mails(recipients).values())
        once, missing = counts.get(1, 0), counts.get(0, 0)
        twice = sum(v for k, v in counts.items() if k > 1)
        dead = self.dead_jobs()
        calls = self.mail_counts_since(before)
        self.ctx.record(self.name, "a", f"created {created}/{INVITATIONS_A} ({status_counts(results)}); delivered once {once}, "
                        f"more than once {twice}, missing {missing}; dead jobs {dead}; e-mail API calls {calls.get('calls', 0)}, "
                        f"500s {calls.get('failed_500', 0)}, replays {calls.get('replayed', 0)}, 409s {calls.get('concurrent_409', 0)}, "
                        f"without key {calls.get('without_key', 0)}; all in after {took:.1f} s" + ("" if all_in else " (timed out)"))
        self.check("a_invitations_created", created == INVITATIONS_A, f"{created} of {INVITATIONS_A} answered 201")
        self.check("a_every_email_delivered_once", once == INVITATIONS_A and twice == 0 and missing == 0,
                   f"once {once}, more than once {twice}, missing {missing}")
        self.check("a_dead_jobs_0", dead == 0, f"{dead} dead jobs: {self.sql('SELECT kind, last_error FROM background_jobs WHERE status = $$dead$$ LIMIT 3') if dead else ''}")
        self.check("a_idempotency_key_sent", calls.get("without_key", 0) == 0,
                   f"{calls.get('without_key', 0)} e-mail API calls without Idempotency-Key")
        log = os.path.join(self.ctx.tmp, f"{self.name}-jobs.log")
        p = srv.run_command(self.ctx.binary, ["jobs"], srv.server_env(self.settings), self.ctx.repo, log, timeout=60)
        lines = p.stdout.decode("utf-8", "replace").strip().splitlines()
        summary = lines[-1] if lines else ""
        self.ctx.record(self.name, "a jobs", f"`hirebase jobs` exit {p.returncode}: {summary!r}")
        self.check("a_jobs_command_summary", p.returncode == 0 and summary.startswith("queued ") and " dead 0" in summary,
                   f"exit {p.returncode}, last line {summary!r}")

    # -- b: SIGKILL while holding leases --

    def check_b(self):
        self.require_job_queue("b")
        before = dict(self.mail.counts)
        self.mail.configure(failure_rate=0, delay=1.5)
        tag = uuid.uuid4().hex[:6]
        recipients = [f"mi-b-{tag}-{i}@example.com" for i in range(INVITATIONS_B)]
        # B is frozen (SIGSTOP) until A is killed, so that A is the one holding the leases.
        os.kill(self.b.pid, signal.SIGSTOP)
        try:
            results = parallel(4, recipients, lambda email: self.create_invitation(self.a.api, email))
            created = sum(1 for r in results if hasattr(r, "status") and r.status == 201)
            holding = wait_until(lambda: [c for c in self.mail.in_flight() if c["sender"] == self.a.name], 20, 0.05)
            running = self.sql("SELECT count(*) FROM background_jobs WHERE status = 'running'")[0][0]
            held_keys = {c["key"] for c in holding or [] if c["key"]}
            killed_at = time.time()
            self.a.kill()
            self.mail.pids.pop(self.a.name, None)
        finally:
            os.kill(self.b.pid, signal.SIGCONT)
        all_in = wait_until(lambda: all(n >= 1 for n in self.invitation_mails(recipients).values()), 60, 0.25)
        took = time.time() - killed_at
        time.sleep(LEASE_SECONDS + 2)
        self.mail.configure(delay=0)
        counts = collections.Counter(self.invitation_mails(recipients).values())
        once, missing = counts.get(1, 0), counts.get(0, 0)
        twice = sum(v for k, v in counts.items() if k > 1)
        with self.mail.lock:
            taken_over = {c["key"] for c in self.mail.calls
                          if c["key"] in held_keys and c["sender"] == self.b.name and c["start"] > killed_at}
        dead = self.dead_jobs()
        calls = self.mail_counts_since(before)
        self.ctx.record(self.name, "b", f"created {created}/{INVITATIONS_B} on A (B frozen); at SIGKILL: {len(holding or [])} e-mail calls in flight from A, "
                        f"{running} jobs running; taken over by B {len(taken_over)}/{len(held_keys)}; delivered once {once}, "
                        f"more than once {twice}, missing {missing} ({took:.1f} s after the kill); dead jobs {dead}; "
                        f"replays {calls.get('replayed', 0)}, 409s {calls.get('concurrent_409', 0)}")
        in_flight_a = len(holding or [])
        self.check("b_instance_held_leases_when_killed", in_flight_a >= 1, "no e-mail call from A in flight within 20 s")
        self.check("b_other_instance_finished_them", bool(held_keys) and taken_over == held_keys,
                   f"{len(taken_over)} of {len(held_keys)} jobs A held were sent again by B"
                   + ("" if held_keys or not in_flight_a else " (A's calls carried no Idempotency-Key to follow them by)"))
        self.check("b_every_email_delivered_once", all_in and once == INVITATIONS_B and twice == 0,
                   f"once {once}, more than once {twice}, missing {missing}")
        self.check("b_dead_jobs_0", dead == 0, f"{dead} dead jobs")
        self.a.start()
        self.a.wait_healthy()

    # -- c: one Stripe event to both instances at once --

    def check_c(self):
        fx = stripe_events.StripeFixtures(self.ctx.fixtures / "stripe")
        if fx.missing:
            self.check("c_stripe_fixtures_present", False, f"missing under {self.ctx.fixtures / 'stripe'}: {fx.missing}")
            raise StopSection("c")
        now = int(time.time())
        outcomes, event_ids, users = collections.Counter(), [], []
        per_event_ok = 0
        for _ in range(EVENTS_C):
            user_id, tok = self.ctx.minter.user()
            ids = {"sub_id": stripe_events.new_id("sub"), "customer_id": stripe_events.new_id("cus"),
                   "item_id": stripe_events.new_id("si")}
            ev = fx.subscription_event("customer.subscription.created", now - 60, user_id=user_id, status="active",
                                       price_id=PRO_PRICE, amount=PRO_AMOUNT, period_start=now - 3600,
                                       period_end=now - 3600 + 30 * 86400, sub_created=now - 60, **ids)
            body = stripe_events.body_of(ev)
            event_ids.append(ev["id"])
            users.append(tok)

            def deliver(i, body=body):
                api = self.a.api if i == 0 else self.b.api
                return api.request("POST", "/webhooks/stripe", raw_body=body, headers={
                    "Content-Type": "application/json", "Stripe-Signature": stripe_events.sign(body, self.ctx.webhook_secret)})

            results = concurrently(2, deliver)
            kinds = [("applied" if obj(r).get("duplicate") is False else "duplicate") if hasattr(r, "status") and r.status == 200
                     else f"{getattr(r, 'status', type(r).__name__)}" for r in results]
            outcomes.update(kinds)
            if sorted(kinds) == ["applied", "duplicate"]:
                per_event_ok += 1
        stored = int(self.sql("SELECT count(*) FROM stripe_events WHERE event_id IN ("
                              + ",".join(f"'{e}'" for e in event_ids) + ")")[0][0])
        pro = sum(1 for tok in users if obj(self.lb.get("/subscription-status", token=tok)).get("plan") == "pro")
        self.ctx.record(self.name, "c", f"{EVENTS_C} events x 2 instances at once: {dict(outcomes)}; "
                        f"events applied once {per_event_ok}/{EVENTS_C}; stored {stored}; users on pro {pro}/{EVENTS_C}")
        self.check("c_each_event_applied_once", per_event_ok == EVENTS_C,
                   f"{per_event_ok} of {EVENTS_C} events answered once applied and once duplicate ({dict(outcomes)})")
        self.check("c_events_stored_once", stored == EVENTS_C, f"{stored} rows in stripe_events for {EVENTS_C} events")
        self.check("c_subscriptions_applied", pro == EVENTS_C, f"{pro} of {EVENTS_C} users on pro")

    # -- d: PostgreSQL stopped under load --

    def check_d(self):
        stop = threading.Event()
        phase = ["before"]
        samples = []
        lock = threading.Lock()
        pids = {self.a.name: self.a.pid, self.b.name: self.b.pid}

        # Two threads on each instance and two through nginx (docs/deploy.md's block): the
        # clients behind the balancer must get Hirebase's JSON 503s too, not nginx's 502s.
        targets = [(self.a.name, self.a.api), (self.b.name, self.b.api), ("nginx", self.lb)]

        def load(k):
            name, api = targets[k % 3]
            i = 0
            while not stop.is_set():
                i += 1
                started, ph = time.time(), phase[0]
                try:
                    if i % 2:
                        r = api.get("/companies", token=self.token)
                    else:
                        r = api.post("/candidates", {"companyId": self.company, "name": "Load",
                                                     "email": f"mi-d-{uuid.uuid4().hex[:10]}@example.com"},
                                     token=self.token)
                    out = (r.status, r.header("Retry-After"))
                except Exception as e:  # noqa: BLE001
                    out = (type(e).__name__, None)
                with lock:
                    samples.append((ph, name, out[0], out[1], time.time() - started))
                time.sleep(0.05)

        threads = [threading.Thread(target=load, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        time.sleep(2)
        phase[0] = "outage"
        self.cluster.pause()
        stopped_at = time.time()
        time.sleep(OUTAGE_SECONDS)
        self.cluster.resume()
        phase[0] = "after"
        resumed_at = time.time()

        def recovered(inst):
            try:
                return inst.api.get("/companies", token=self.token).status == 200
            except Exception:  # noqa: BLE001
                return False

        rec = {inst.name: wait_until(lambda inst=inst: recovered(inst), 45, 0.25) for inst in (self.a, self.b)}
        recovery = time.time() - resumed_at
        time.sleep(1)
        stop.set()
        for t in threads:
            t.join(60)
        by_phase = {ph: collections.Counter(str(s[2]) for s in samples if s[0] == ph) for ph in ("before", "outage", "after")}
        outage = [s for s in samples if s[0] != "before"]
        bad = [s for s in outage if s[2] not in (200, 201, 503)]
        no_retry = [s for s in outage if s[2] == 503 and not (s[3] or "").isdigit()]
        slowest = max((s[4] for s in samples), default=0)
        unavailable = sum(1 for s in outage if s[2] == 503)
        same = all(inst.alive() and inst.pid == pids[inst.name] for inst in (self.a, self.b))
        self.ctx.record(self.name, "d", f"PostgreSQL stopped {OUTAGE_SECONDS} s under load: before {dict(by_phase['before'])}, "
                        f"outage {dict(by_phase['outage'])}, after {dict(by_phase['after'])}; 503 without Retry-After "
                        f"{len(no_retry)}; slowest answer {slowest:.1f} s (bound {BOUND_SECONDS:.0f} s); "
                        f"both 200 again {recovery:.1f} s after restart; same PIDs {same}; through nginx during the outage "
                        f"{dict(collections.Counter(str(s[2]) for s in outage if s[1] == 'nginx'))}")
        self.check("d_before_all_ok", all(s[2] in (200, 201) for s in samples if s[0] == "before"), f"{dict(by_phase['before'])}")
        # Through PgBouncer a pause that finds no query in flight is absorbed: PgBouncer holds the
        # queries until PostgreSQL is back, and every answer is a late 2xx (within the bound,
        # checked below). No 5xx other than 503 is the property; a 503 is required only when
        # the instances talk to PostgreSQL directly, where the outage always shows.
        absorbed = self.name == "pgbouncer" and unavailable == 0 and not bad
        self.check("d_outage_503_not_500", (unavailable >= 1 or absorbed) and not bad,
                   f"{unavailable} 503s; other answers: {collections.Counter(str(s[2]) for s in bad)}")
        self.check("d_503_has_retry_after", not no_retry, f"{len(no_retry)} 503s without a numeric Retry-After")
        self.check("d_no_hang_beyond_bound", slowest <= BOUND_SECONDS, f"slowest answer {slowest:.1f} s > {BOUND_SECONDS} s")
        self.check("d_recovered_without_restart", all(rec.values()) and same,
                   f"recovered {rec}, same PIDs {same} (stopped at +0, resumed at +{resumed_at - stopped_at:.0f} s)")

    # -- e: reminders --

    def prepare_e(self):
        """Before reminders are on: an open invitation and a completed one, both expiring in 1 h."""
        tag = uuid.uuid4().hex[:6]
        self.e_open, self.e_done = f"mi-e-open-{tag}@example.com", f"mi-e-done-{tag}@example.com"
        r1 = self.create_invitation(self.lb, self.e_open, hours=1)
        r2 = self.create_invitation(self.lb, self.e_done, hours=1)
        ok = r1.status == 201 and r2.status == 201
        self.check("e_setup_invitations", ok, f"{r1.describe()} || {r2.describe()}")
        if not ok:
            raise StopSection("e")
        mails = wait_until(lambda: self.mail.deliveries().get(self.e_done.lower()), 60, 0.25) or []
        link = next((m for m in (LINK_RE.search(x["json"].get("text") or "") for x in mails) if m), None)
        if not link:
            self.check("e_setup_invitation_email", False, f"no invitation e-mail with a link for the completed one ({len(mails)} e-mails)")
            raise StopSection("e")
        inv, token = link.group(1), link.group(2)
        self.lb.get(f"/assessments/invitations/{inv}?token={token}")
        r = self.lb.post(f"/assessments/invitations/{inv}/submit", {"token": token, "answers": ANSWERS})
        ok = r.status == 200 and obj(r).get("status") == "completed"
        self.check("e_setup_completed", ok, r.describe())
        if not ok:
            raise StopSection("e")

    def rolling_restart(self, settings):
        """A deploy: each instance in turn gets SIGTERM, exits, and starts with the new settings."""
        for inst in (self.a, self.b):
            code, took = inst.terminate_and_wait(DRAIN_SECONDS + GRACE_SECONDS + 15)
            if code is None:
                raise RuntimeError(f"{inst.name} did not exit after SIGTERM")
            inst.start(settings)
            inst.wait_healthy()

    def check_e(self):
        self.require_job_queue("e")
        self.settings = dict(self.settings, INVITATION_REMINDER_HOURS="2")
        self.rolling_restart(self.settings)
        first = wait_until(lambda: self.reminder_mails(self.e_open), 30, 0.25)
        time.sleep(5)  # five more sweeps on each instance
        open_n, done_n = len(self.reminder_mails(self.e_open)), len(self.reminder_mails(self.e_done))
        opens = None
        if first:
            link = LINK_RE.search(first[0]["json"].get("text") or "")
            if link:
                opens = self.lb.get(f"/assessments/invitations/{link.group(1)}?token={link.group(2)}").status
        self.ctx.record(self.name, "e", f"reminders: open invitation (expires in 1 h) {open_n}, completed one {done_n} "
                        f"(INVITATION_REMINDER_HOURS=2, SWEEP_INTERVAL_SECONDS=1, 5+ sweeps); the reminder's link opens: {opens}")
        self.check("e_one_reminder_for_open", open_n == 1, f"{open_n} reminders")
        self.check("e_no_reminder_for_completed", done_n == 0, f"{done_n} reminders")
        self.check("e_reminder_link_opens", opens == 200, f"GET with the reminder's link -> {opens}")

    # -- f: SIGTERM during a burst through nginx --

    def check_f(self):
        stop = threading.Event()
        samples, lock = [], threading.Lock()
        term_at = [None]

        writes = []

        def burst(k):
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    if k < 6:  # idempotent, through nginx (which retries them on the other instance)
                        r = self.lb.get("/companies" if (i + k) % 2 else "/subscription-status", token=self.token)
                    else:  # writes straight to A while it drains (nginx does not retry a POST)
                        if term_at[0] is None or time.time() > term_at[0] + DRAIN_SECONDS - 0.5:
                            time.sleep(0.02)
                            continue
                        r = self.a.api.post("/candidates", {"companyId": self.company, "name": "Drain",
                                                            "email": f"mi-f-{uuid.uuid4().hex[:10]}@example.com"},
                                            token=self.token)
                        with lock:
                            writes.append(r.status)
                        continue
                    out = (r.status, r.header("X-Hirebase-Upstream") or "")
                except Exception as e:  # noqa: BLE001
                    out = (type(e).__name__, "")
                    if k >= 6:
                        with lock:
                            writes.append(out[0])
                        continue
                with lock:
                    samples.append((time.time(), out[0], out[1]))

        slow = {}

        def slow_request():
            try:
                r = self.a.api.post("/scrape", {"url": self.ctx.slow_page.url, "companyId": self.company},
                                    token=self.token)
                slow["status"] = r.status
            except Exception as e:  # noqa: BLE001
                slow["status"] = type(e).__name__

        threads = [threading.Thread(target=burst, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        time.sleep(1)
        ended = {}

        def terminate():
            term_at[0] = time.time()
            ended["code"], ended["took"] = self.a.terminate_and_wait(DRAIN_SECONDS + GRACE_SECONDS + 15)

        terminator = threading.Thread(target=terminate)
        terminator.start()
        # Sent to A during its drain; the page answers after 3 s, so the request is still in flight
        # when the listener closes at the end of the drain.
        time.sleep(max(0.0, DRAIN_SECONDS - 1))
        slow_thread = threading.Thread(target=slow_request)
        slow_thread.start()
        terminator.join(DRAIN_SECONDS + GRACE_SECONDS + 30)
        code, took = ended.get("code"), ended.get("took", 0.0)
        time.sleep(1)
        stop.set()
        for t in threads:
            t.join(60)
        slow_thread.join(60)
        a_addr = f"127.0.0.1:{self.a.port}"
        counts = collections.Counter(str(s[1]) for s in samples)
        served_by_a_after = sum(1 for s in samples if s[0] > term_at[0] and s[2].startswith(a_addr))
        failures = [s for s in samples if s[1] not in (200, 201)]
        write_counts = collections.Counter(str(w) for w in writes)
        self.ctx.record(self.name, "f", f"burst of {len(samples)} GETs through nginx, SIGTERM to A: {dict(counts)}; "
                        f"answered by A after SIGTERM {served_by_a_after}; POSTs to A during its drain {dict(write_counts)}; "
                        f"in-flight slow request -> {slow.get('status')}; "
                        f"A exited {code} after {took:.1f} s (drain {DRAIN_SECONDS} s, grace {GRACE_SECONDS} s)")
        self.check("f_every_request_answered", not failures and len(samples) > 0,
                   f"{len(failures)} of {len(samples)} not 2xx: {collections.Counter(str(s[1]) for s in failures)}")
        self.check("f_drain_kept_serving", served_by_a_after >= 1 and writes and all(w == 201 for w in writes),
                   f"A answered {served_by_a_after} proxied requests after SIGTERM; POSTs during the drain: {dict(write_counts)}")
        self.check("f_in_flight_request_answered", slow.get("status") == 200, f"POST /scrape (3 s page) -> {slow.get('status')}")
        self.check("f_exit_within_bound", code == 0 and took <= DRAIN_SECONDS + GRACE_SECONDS + 5,
                   f"exit {code} after {took:.1f} s")
        self.a.start()
        self.a.wait_healthy()
        self.deploy_through_nginx()

    def deploy_through_nginx(self):
        """docs/deploy.md's rolling restart behind nginx: B marked down and nginx reloaded, SIGTERM to
        B, B started again and marked up, during a burst of GETs and POSTs: every request answered."""
        stop = threading.Event()
        samples, lock = [], threading.Lock()

        def burst(k):
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    if (i + k) % 2:
                        r = self.lb.get("/companies", token=self.token)
                    else:
                        r = self.lb.post("/candidates", {"companyId": self.company, "name": "Deploy",
                                                         "email": f"mi-f2-{uuid.uuid4().hex[:10]}@example.com"},
                                         token=self.token)
                    out = r.status
                except Exception as e:  # noqa: BLE001
                    out = type(e).__name__
                with lock:
                    samples.append(out)

        threads = [threading.Thread(target=burst, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        self.nginx.mark_down(self.b.port)
        code, took = self.b.terminate_and_wait(DRAIN_SECONDS + GRACE_SECONDS + 15)
        self.b.start()
        self.b.wait_healthy()
        self.nginx.mark_down(None)
        time.sleep(1)
        stop.set()
        for t in threads:
            t.join(60)
        counts = collections.Counter(str(s) for s in samples)
        failures = sum(v for k, v in counts.items() if k not in ("200", "201"))
        self.ctx.record(self.name, "f2", f"rolling restart of B behind nginx (down + reload, SIGTERM, start, up): "
                        f"{len(samples)} GETs and POSTs {dict(counts)}; B exited {code} after {took:.1f} s")
        self.check("f2_deploy_drops_no_request", failures == 0 and code == 0 and len(samples) > 0,
                   f"{failures} of {len(samples)} not 2xx ({dict(counts)}); B exit {code}")

    def run(self):
        only = self.ctx.only
        steps = []
        if "e" in only:
            steps.append(("e_setup", self.prepare_e))
        for c in "abcd":
            if c in only:
                steps.append((c, getattr(self, f"check_{c}")))
        if "e" in only:
            steps.append(("e", self.check_e))
        if "f" in only:
            steps.append(("f", self.check_f))
        skip_e = False
        for name, fn in steps:
            if name == "e" and skip_e:
                continue
            print(f"-- [{self.name}] {name}", flush=True)
            try:
                fn()
            except StopSection as e:
                print(f"  ({self.name} {name}: stopped after {e})", flush=True)
                if name == "e_setup":
                    skip_e = True
            except Exception as e:  # noqa: BLE001
                self.report.fail(f"{self.name}.{name}_crashed", f"{type(e).__name__}: {e}")
                if name == "e_setup":
                    skip_e = True
            # A check that left an instance down (a crash mid-way) would fail every later one.
            for inst in (self.a, self.b):
                if not inst.alive():
                    inst.process.stop()
                    inst.start()
                    inst.wait_healthy()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--only", default=CHECKS, help="checks to run, e.g. c,d,f (default: all)")
    ap.add_argument("--passes", default="direct,pgbouncer", help="direct, pgbouncer or both (default)")
    args = ap.parse_args()
    args.only = "".join(c for c in args.only.lower() if c in CHECKS)
    report = Report()
    ctx = Ctx(args)
    started = time.time()
    cluster = infra.Cluster(ctx.repo, srv.free_port())
    bouncer = infra.PgBouncer(ctx.repo, srv.free_port())
    print(f"multi-instance: binary {ctx.binary}; checks {','.join(args.only)}; work dir {ctx.tmp}; "
          f"e-mail API {ctx.mail.base_url}", flush=True)
    try:
        cluster.start()
        for name in [p.strip() for p in args.passes.split(",") if p.strip()]:
            direct = cluster.createdb(f"mi_{name}_{int(time.time())}")
            url = bouncer.start(direct) if name == "pgbouncer" else direct
            run = Run(ctx, report, name, cluster, url, direct)
            print(f"== pass {name}: DATABASE_URL {'PgBouncer (transaction mode) on ' + str(bouncer.port) if url != direct else 'PostgreSQL directly'}", flush=True)
            try:
                run.start()
                run.run()
            except StopSection as e:
                print(f"  ({name}: set-up failed at {e})", flush=True)
            except Exception as e:  # noqa: BLE001
                report.fail(f"{name}.setup", f"{type(e).__name__}: {e}")
            finally:
                run.stop()
                if name == "pgbouncer":
                    bouncer.stop()
        c = ctx.conventions
        report.expect("x_request_id_on_every_response", not c.missing_request_id,
                      f"{len(c.missing_request_id)} of {c.responses} responses lack X-Request-Id: {c.missing_request_id[:3]}")
        report.expect("error_body_shape", not c.bad_error_bodies,
                      f"{len(c.bad_error_bodies)} of {c.errors} error responses break the contract: {c.bad_error_bodies[:3]}")
    finally:
        srv._stop_all()
        bouncer.stop()
        cluster.stop()
        ctx.mail.close()
        ctx.slow_page.close()
    print("\n== counts", flush=True)
    for (run_name, check), line in ctx.counts.items():
        print(f"{run_name:10} {check:7} {line}", flush=True)
    if report.failed == 0 and not os.environ.get("MI_KEEP"):
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    else:
        print(f"multi-instance: logs kept in {ctx.tmp}", flush=True)
    print(f"multi-instance: {report.passed} passed, {report.failed} failed in {time.time() - started:.0f} s", flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
