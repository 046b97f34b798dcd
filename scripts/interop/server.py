"""Starting and stopping `hirebase serve` processes (own process group, log to a file, killed at exit)."""

import atexit
import http.client
import os
import signal
import socket
import subprocess
import time

# Settings the server reads (API.md, Configuration): never inherited from the caller's shell.
SERVER_SETTINGS = (
    "HIREBASE_ENV", "DATABASE_URL", "SUPABASE_URL", "SUPABASE_JWT_SECRET", "JWT_AUDIENCE",
    "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE", "PLANS_FILE", "EMAIL_PROVIDER",
    "EMAIL_API_KEY", "EMAIL_API_BASE", "EMAIL_FROM", "PUBLIC_APP_URL", "CORS_ALLOWED_ORIGINS",
    "METRICS_TOKEN", "LOG_FORMAT", "LOG_LEVEL", "SCRAPE_ALLOW_PRIVATE_HOSTS", "TEST_DATABASE_URL",
    "RATE_LIMITS", "TRUSTED_PROXIES", "LOG_SQL", "EMAIL_LOG_DIR", "MATCH_CACHE_MB",
)

_running = []


def _stop_all():
    for p in list(_running):
        p.stop()


atexit.register(_stop_all)


def _on_signal(signum, _frame):
    _stop_all()
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)
signal.signal(signal.SIGHUP, _on_signal)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(settings: dict):
    env = {k: v for k, v in os.environ.items() if k not in SERVER_SETTINGS}
    env.update(settings)
    return env


def log_tail(path, lines=40):
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join(data[-lines:])
    except OSError as e:
        return f"(no log: {e})"


class ServerProcess:
    def __init__(self, binary, env, log_path, cwd, name="server"):
        self.binary = binary
        self.env = env
        self.log_path = log_path
        self.cwd = cwd
        self.name = name
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self._log = None

    def start(self):
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--hostname", "127.0.0.1", "--port", str(self.port)],
            env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        _running.append(self)

    def wait_healthy(self, timeout=60):
        """-> (ok, why). Polls GET /health until 200."""
        deadline = time.time() + timeout
        last = "no answer"
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False, f"{self.name} exited with {self.proc.returncode} before /health answered"
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                c.request("GET", "/health")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    return True, ""
                last = f"GET /health -> {r.status}"
            except OSError as e:
                last = str(e)
            time.sleep(0.25)
        return False, f"{self.name}: GET /health not 200 within {timeout} s ({last})"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # its own group: start_new_session
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        if self in _running:
            _running.remove(self)
        if self._log:
            self._log.close()
            self._log = None


def run_command(binary, args, env, cwd, log_path, stdin_bytes=None, timeout=300):
    """Runs `hirebase <args>`; stderr appended to log_path. -> CompletedProcess (stdout bytes)."""
    stdin = {"input": stdin_bytes} if stdin_bytes is not None else {"stdin": subprocess.DEVNULL}
    with open(log_path, "ab") as log:
        return subprocess.run([binary, *args], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=log,
                              timeout=timeout, **stdin)
