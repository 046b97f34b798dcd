"""Machine checks of the served contract (issue 11), run by .ci/run through scripts/contract/run:

1. openapi-python-client generates a client from the served `/openapi.json` with zero warnings;
2. that client drives the invitation flow (company, assessment, invitation with a CSRF token, the
   candidate's open and submit, the member's read) and its errors through the one `ErrorBody` type;
3. schemathesis runs every phase against the server with seeded data, a fake Stripe and a hook that
   supplies CSRF tokens, with the checks not_a_server_error, status_code_conformance,
   content_type_conformance and response_schema_conformance: any failure fails the step.

One server (SQLite, HIREBASE_ENV=testing) serves all three. Exit status 1 when a check failed.
"""
import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
import server as srv  # noqa: E402  (scripts/interop/server.py)
from tokens import Minter  # noqa: E402

PUBLIC_APP_URL = "https://app.example.com"
results = []


def check(name, ok, why=""):
    results.append((name, ok))
    print(f"{'PASS' if ok else 'FAIL'} {name}" + ("" if ok else f": {why}"), flush=True)
    return ok


def http_json(method, url, token=None, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    h = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        h["Authorization"] = "Bearer " + token
    h.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Setup:
    def __init__(self, binary, repo, tmp):
        self.binary, self.repo, self.tmp = binary, repo, tmp
        self.secret = "contract-" + os.urandom(16).hex()
        self.webhook_secret = "whsec_" + os.urandom(16).hex()
        self.minter = Minter(self.secret, "https://contract.supabase.co/auth/v1", None, None)
        stripe_port = srv.free_port()
        self.stripe_log = open(os.path.join(tmp, "fake-stripe.log"), "ab")
        self.stripe = subprocess.Popen([os.path.join(repo, "scripts", "fake-stripe"), "--port", str(stripe_port)],
                                       stdout=self.stripe_log, stderr=subprocess.STDOUT, start_new_session=True)
        # The fake Chat Completions provider (scripts/interop/fakes.py chat) in its own process: the
        # AI routes answer from it instead of 503 ai_not_configured. Its first line names its base URL.
        self.chat = subprocess.Popen([sys.executable, "-u", os.path.join(repo, "scripts", "interop", "fakes.py"), "chat"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
        chat_line = self.chat.stdout.readline().strip()
        if not chat_line.startswith("AI_API_BASE="):
            raise SystemExit(f"contract: the fake Chat Completions provider did not start (said {chat_line!r})")
        plans = json.load(open(os.path.join(repo, "config", "plans.json"), encoding="utf-8"))
        for plan in plans["plans"]:
            if plan["name"] == "free":  # generated calls would use up the free plan at once
                plan["limits"] = {k: None for k in plan["limits"]}
        plans_path = os.path.join(tmp, "plans.json")
        json.dump(plans, open(plans_path, "w", encoding="utf-8"))
        settings = {
            "HIREBASE_ENV": "testing",
            # CONTRACT_DATABASE_URL (a fresh PostgreSQL database) instead of the SQLite file, to try both
            "DATABASE_URL": os.environ.get("CONTRACT_DATABASE_URL") or f"sqlite://{tmp}/contract.sqlite",
            "SUPABASE_URL": "https://contract.supabase.co",
            "SUPABASE_JWT_SECRET": self.secret,
            "STRIPE_SECRET_KEY": "sk_test_contract",
            "STRIPE_WEBHOOK_SECRET": self.webhook_secret,
            "STRIPE_API_BASE": f"http://127.0.0.1:{stripe_port}",
            "PLANS_FILE": plans_path,
            "AI_API_BASE": chat_line[len("AI_API_BASE="):],
            "AI_MODEL": "contract-model",
            "EMAIL_PROVIDER": "log",
            "EMAIL_LOG_DIR": os.path.join(tmp, "mail"),
            "PUBLIC_APP_URL": PUBLIC_APP_URL,
            "LOG_FORMAT": "json",
            "RATE_LIMITS": "read=100000/m,write=100000/m,costly=100000/m,anonymous=100000/m",
        }
        self.server = srv.ServerProcess(binary, srv.server_env(settings), os.path.join(tmp, "serve.log"), repo, "contract")
        self.server.start()
        ok, why = self.server.wait_healthy(180)
        if not ok:
            print(srv.log_tail(self.server.log_path))
            raise SystemExit(f"contract: the server did not start: {why}")
        self.base = self.server.base_url

    def stop(self):
        self.server.stop()
        self.stripe.terminate()
        self.chat.terminate()

    def seed(self):
        """A user with a company, a job, a candidate, an assessment, an application and an invitation."""
        user_id, token = self.minter.user(email="owner@contract.example.com")
        s = {"baseUrl": self.base, "token": token, "userId": user_id, "webhookSecret": self.webhook_secret}
        st, company = http_json("POST", self.base + "/companies", token, {"name": "Contract Co"})
        assert st == 201, (st, company)
        s["companyId"] = company["id"]
        st, job = http_json("POST", self.base + "/jobs", token, {
            "companyId": company["id"], "title": "Backend Engineer", "description": "Swift, PostgreSQL and HTTP APIs.",
            "skills": ["swift", "postgresql"], "location": "Berlin"})
        assert st == 201, (st, job)
        s["jobId"] = job["id"]
        st, cand = http_json("POST", self.base + "/candidates", token, {
            "companyId": company["id"], "name": "Ada Example", "email": "ada@contract.example.com",
            "skills": ["swift"], "resumeText": "Swift and PostgreSQL for six years."})
        assert st == 201, (st, cand)
        s["candidateId"] = cand["id"]
        st, app = http_json("POST", self.base + f"/jobs/{job['id']}/applications", token, {"candidateId": cand["id"]})
        assert st == 201, (st, app)
        st, asmt = http_json("POST", self.base + "/assessments", token, {
            "companyId": company["id"], "title": "Swift basics", "passingScore": 50,
            "questions": [{"id": "q1", "kind": "single_choice", "prompt": "2 + 2?", "points": 1,
                           "choices": ["4", "5"], "correct": ["4"]}]})
        assert st == 201, (st, asmt)
        s["assessmentId"] = asmt["id"]
        st, inv = http_json("POST", self.base + "/assessments/invitations/create", token,
                            {"assessmentId": asmt["id"], "candidateEmail": "seeded@contract.example.com"})
        assert st == 201, (st, inv)
        s["invitationId"] = inv["id"]
        return s


def generated_client(setup, seed, tmp, venv_bin):
    """openapi-python-client over the served document: zero warnings, then one flow through it."""
    spec = os.path.join(tmp, "openapi.json")
    with urllib.request.urlopen(setup.base + "/openapi.json", timeout=30) as r:
        open(spec, "wb").write(r.read())
    config = os.path.join(tmp, "client-config.yaml")
    open(config, "w").write("post_hooks: []\nproject_name_override: hirebase-client\npackage_name_override: hirebase_client\n")
    out = os.path.join(tmp, "client")
    p = subprocess.run([os.path.join(venv_bin, "openapi-python-client"), "generate", "--path", spec,
                        "--output-path", out, "--overwrite", "--config", config],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    text = p.stdout
    warnings = [line for line in text.splitlines() if "warning" in line.lower()]
    check("client_generated", p.returncode == 0, f"exit {p.returncode}: {text[-2000:]}")
    if not check("client_zero_warnings", not warnings, "\n" + text[-4000:]):
        return
    sys.path.insert(0, out)
    hc = importlib.import_module("hirebase_client")
    from hirebase_client import AuthenticatedClient, Client
    from hirebase_client.models import ErrorBody
    api = {name: importlib.import_module(f"hirebase_client.api.{area}.{name}") for area, name in [
        ("companies", "create_company"), ("companies", "get_company"), ("assessments", "create_assessment"),
        ("invitations", "create_invitation"), ("invitations", "get_invitation"), ("invitations", "submit_invitation"),
        ("invitations", "list_invitations"), ("invitations", "cancel_invitation"), ("platform", "issue_csrf_token"), ("jobs", "create_job")]}
    models = importlib.import_module("hirebase_client.models")
    _, token = setup.minter.user(email="client@contract.example.com")
    member = AuthenticatedClient(base_url=setup.base, token=token, raise_on_unexpected_status=True)
    anonymous = Client(base_url=setup.base, raise_on_unexpected_status=True)

    company = api["create_company"].sync(client=member, body=models.CreateCompanyRequest(name="Generated Client Co"))
    check("client_create_company", isinstance(company, models.Company) and company.name == "Generated Client Co", repr(company))
    body = models.CreateAssessmentRequest.from_dict({
        "companyId": str(company.id), "title": "Through the generated client", "passingScore": 50,
        "questions": [{"id": "q1", "kind": "single_choice", "prompt": "Pick a", "points": 2,
                       "choices": ["a", "b"], "correct": ["a"]}]})
    assessment = api["create_assessment"].sync(client=member, body=body)
    check("client_create_assessment", isinstance(assessment, models.Assessment), repr(assessment))
    created = api["create_invitation"].sync_detailed(
        client=member, body=models.CreateInvitationRequest(assessment_id=assessment.id, candidate_email="candidate@contract.example.com"))
    inv = created.parsed
    check("client_create_invitation", created.status_code == 201 and isinstance(inv, models.Invitation), repr(created)[:400])
    other = api["create_invitation"].sync(
        client=member, body=models.CreateInvitationRequest(assessment_id=assessment.id, candidate_email="other@contract.example.com"))
    # a CSRF-guarded call: cancel with a fresh token, then the same token again (single use) -> 403
    csrf = api["issue_csrf_token"].sync(client=member)
    cancelled = api["cancel_invitation"].sync_detailed(client=member, invitation_id=other.id, x_csrf_token=csrf.csrf_token)
    check("client_cancel_with_csrf_token", cancelled.status_code == 200 and isinstance(cancelled.parsed, models.Invitation)
          and str(cancelled.parsed.status) in ("cancelled", "InvitationStatus.CANCELLED"), repr(cancelled)[:400])
    again = api["cancel_invitation"].sync_detailed(client=member, invitation_id=other.id, x_csrf_token=csrf.csrf_token)
    check("client_error_csrf_reused", again.status_code == 403 and isinstance(again.parsed, ErrorBody)
          and again.parsed.code == "csrf_token_invalid", repr(again)[:400])
    # the candidate's token is in the e-mail; the log provider writes it to EMAIL_LOG_DIR
    token_value = wait_for_invitation_token(setup, "candidate@contract.example.com")
    if not check("client_invitation_token_in_mail", token_value is not None, "no e-mail with a link in EMAIL_LOG_DIR"):
        return
    opened = api["get_invitation"].sync(client=anonymous, invitation_id=inv.id, token=token_value)
    check("client_candidate_open", isinstance(opened, models.Invitation) and isinstance(opened.assessment, models.CandidateAssessment)
          and [q.id for q in opened.assessment.questions] == ["q1"], repr(opened)[:400])
    submit_body_cls = models.CandidateSubmission  # the component's name (schemas carry no `title`)
    submitted = api["submit_invitation"].sync_detailed(
        client=anonymous, invitation_id=inv.id,
        body=submit_body_cls.from_dict({"token": token_value, "answers": [{"questionId": "q1", "answer": "a"}]}))
    check("client_candidate_submit", submitted.status_code == 200 and not isinstance(submitted.parsed, ErrorBody),
          repr(submitted)[:400])
    twice = api["submit_invitation"].sync_detailed(
        client=anonymous, invitation_id=inv.id,
        body=submit_body_cls.from_dict({"token": token_value, "answers": [{"questionId": "q1", "answer": "a"}]}))
    check("client_error_already_submitted", twice.status_code in (409, 410) and isinstance(twice.parsed, ErrorBody),
          repr(twice)[:400])
    missing = api["get_company"].sync_detailed(client=member, company_id="00000000-0000-4000-8000-000000000000")
    check("client_error_not_found", missing.status_code == 404 and isinstance(missing.parsed, ErrorBody)
          and missing.parsed.code == "not_found" and missing.parsed.request_id, repr(missing)[:400])
    bad = api["create_job"].sync_detailed(client=member, body=models.CreateJobRequest.from_dict(
        {"companyId": str(company.id), "title": "   ", "description": "x"}))
    check("client_error_invalid_input", bad.status_code == 400 and isinstance(bad.parsed, ErrorBody)
          and bad.parsed.code == "invalid_input" and bool(bad.parsed.errors), repr(bad)[:400])
    listed = api["list_invitations"].sync(client=member)
    check("client_list_invitations", any(i.id == inv.id for i in getattr(listed, "items", [])), repr(listed)[:400])


def wait_for_invitation_token(setup, email, timeout=30):
    import re
    mail_dir = os.path.join(setup.tmp, "mail")
    deadline = time.time() + timeout
    while time.time() < deadline:
        for root, _, files in os.walk(mail_dir):
            for name in files:
                text = open(os.path.join(root, name), encoding="utf-8", errors="replace").read()
                if email in text:
                    m = re.search(r"token=([A-Za-z0-9_\-]+)", text)
                    if m:
                        return m.group(1)
        time.sleep(0.25)
    return None


def schemathesis(setup, seed, tmp, venv_bin, max_examples):
    seed_path = os.path.join(tmp, "seed.json")
    json.dump(seed, open(seed_path, "w"))
    env = dict(os.environ, CONTRACT_SEED=seed_path, SCHEMATHESIS_HOOKS="hooks", PYTHONPATH=HERE)
    report = os.path.join(tmp, "schemathesis")
    checks = os.environ.get("CONTRACT_CHECKS", "not_a_server_error,status_code_conformance,content_type_conformance,"
                                                "response_schema_conformance")
    # The served document, from a file: loaded from its URL, schemathesis leaves out the operation
    # that serves it (`GET /openapi.json`), so 36 of the 37 operations were tested.
    spec = os.path.join(tmp, "served-openapi.json")
    with urllib.request.urlopen(setup.base + "/openapi.json", timeout=30) as r:
        open(spec, "wb").write(r.read())
    cmd = [os.path.join(venv_bin, "schemathesis"), "--config-file", os.path.join(HERE, "schemathesis.toml"),
           "run", spec, "--url", setup.base, "--checks", checks, "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", str(max_examples), "--seed", "1",
           "--workers", "1", "--request-timeout", "30", "--no-color", "--generation-database", "none",
           "-H", "Authorization: Bearer " + seed["token"], "--report", "junit", "--report-dir", report,
           "--output-truncate", "true", *os.environ.get("CONTRACT_SCHEMATHESIS_ARGS", "").split()]
    print("contract: " + " ".join(c if not c.startswith("Authorization") else "Authorization: Bearer ***" for c in cmd[1:]), flush=True)
    # cwd: schemathesis keeps a cache (.schemathesis/) in its working directory
    p = subprocess.run(cmd, env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800)
    print(p.stdout[-12000:])
    check("schemathesis_0_failures", p.returncode == 0, f"exit {p.returncode} (report in {report})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--venv-bin", required=True)
    ap.add_argument("--only", default="client,schemathesis")
    ap.add_argument("--max-examples", type=int, default=int(os.environ.get("CONTRACT_MAX_EXAMPLES", "25")))
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="hirebase-contract.")
    started = time.time()
    setup = Setup(args.binary, args.repo, tmp)
    try:
        seed = setup.seed()
        only = set(args.only.split(","))
        if "client" in only:
            try:
                generated_client(setup, seed, tmp, args.venv_bin)
            except Exception:  # a generated client that cannot drive the flow is a failed check
                import traceback
                check("client_flow_completes", False, traceback.format_exc())
        if "schemathesis" in only:
            schemathesis(setup, seed, tmp, args.venv_bin, args.max_examples)
        # no 500 in the server's log either
        errors = [l for l in open(setup.server.log_path, encoding="utf-8", errors="replace")
                  if '"status":500' in l.replace(" ", "") or "internal_error" in l]
        check("server_log_no_500", not errors, "\n".join(errors[:5]))
    finally:
        setup.stop()
    failed = [n for n, ok in results if not ok]
    print(f"contract: {len(results) - len(failed)} passed, {len(failed)} failed in {time.time() - started:.0f} s; work dir {tmp}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
