"""What the multi-instance checks run against: their own PostgreSQL cluster (stoppable), PgBouncer in
transaction mode, nginx in front of two `hirebase serve` processes, a Resend-style e-mail API that
fails and stalls on demand (and honours `Idempotency-Key` as Resend does), and a slow job page."""

import os
import random
import re
import shutil
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import server as srv
from fakes import MailServer, _MailHandler

# ---- PostgreSQL and PgBouncer (scripts/pg-test-cluster, scripts/pgbouncer) ------------------


class Cluster:
    """A cluster of scripts/pg-test-cluster on a port of its own, so that it can be paused."""

    def __init__(self, repo, port):
        self.script = os.path.join(repo, "scripts", "pg-test-cluster")
        self.port = port
        self.env = dict(os.environ, PGPORT_TEST=str(port))

    def _run(self, *args, timeout=120):
        p = subprocess.run([self.script, *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"pg-test-cluster {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()[-800:]}")
        return p.stdout.strip()

    def start(self):
        return self._run("start")

    def createdb(self, name):
        return self._run("createdb", name)

    def pause(self):
        self._run("pause")

    def resume(self):
        self._run("resume")

    def stop(self):
        try:
            self._run("stop")
        except Exception as e:  # noqa: BLE001 - best effort at exit
            print(f"  (stopping the cluster on {self.port}: {e})", flush=True)


class PgBouncer:
    def __init__(self, repo, port):
        self.script = os.path.join(repo, "scripts", "pgbouncer")
        self.port = port

    def start(self, upstream_url):
        p = subprocess.run([self.script, "start", upstream_url, str(self.port)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError(f"scripts/pgbouncer start failed: {p.stderr.strip()[-800:]}")
        return p.stdout.strip()

    def stop(self):
        subprocess.run([self.script, "stop", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60)


def psql(url, sql, timeout=20):
    """-> rows as lists of strings (psql -tA, `|`-separated); raises on an error."""
    env = dict(os.environ, PGCONNECT_TIMEOUT="5")
    p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-d", url, "-c", sql],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout, env=env)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip()[-400:])
    return [line.split("|") for line in p.stdout.splitlines() if line.strip()]


# ---- nginx ------------------------------------------------------------------------------------

# The upstream and location blocks are those of docs/deploy.md (keep them the same).
NGINX_CONF = """
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    log_format upstream '$remote_addr "$request" $status $upstream_addr $upstream_status $request_time';
    access_log {dir}/access.log upstream;

    upstream hirebase {{
        server 127.0.0.1:{port_a} max_fails=1 fail_timeout=5s{down_a};
        server 127.0.0.1:{port_b} max_fails=1 fail_timeout=5s{down_b};
        keepalive 32;
    }}

    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 1m;

        location / {{
            proxy_pass http://hirebase;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            proxy_next_upstream error timeout http_502;
            proxy_next_upstream_tries 2;
            proxy_next_upstream_timeout 15s;
            add_header X-Hirebase-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class Nginx:
    def __init__(self, work_dir, port, port_a, port_b):
        self.dir = os.path.join(work_dir, f"nginx-{port}")
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)  # workers run as nobody when started as root
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.conf = os.path.join(self.dir, "nginx.conf")
        self.port_a, self.port_b = port_a, port_b
        self.write_conf()
        self.proc = None

    def write_conf(self, down=None):
        with open(self.conf, "w") as f:
            f.write(NGINX_CONF.format(dir=self.dir, port=self.port, port_a=self.port_a, port_b=self.port_b,
                                      down_a=" down" if down == self.port_a else "",
                                      down_b=" down" if down == self.port_b else ""))

    def mark_down(self, port=None):
        """Rewrites the upstream with the server on `port` marked `down` (None: all up) and reloads:
        new workers use it at once, old ones finish the requests they hold (nginx -s reload)."""
        self.write_conf(down=port)
        os.kill(self.proc.pid, signal.SIGHUP)
        time.sleep(1)

    def start(self):
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        log = open(os.path.join(self.dir, "stderr.log"), "ab")
        self.proc = subprocess.Popen([binary, "-c", self.conf, "-p", self.dir], stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.proc.returncode}: {srv.log_tail(os.path.join(self.dir, 'stderr.log'))}")
            try:
                import socket
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not listen within 10 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


# ---- which process a loopback connection belongs to -----------------------------------------

def _socket_inodes(pid):
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            m = re.match(r"socket:\[(\d+)\]", target)
            if m:
                inodes.add(m.group(1))
    except OSError:
        pass
    return inodes


def _inode_of_connection(client_port, server_port):
    """The socket inode of the client side of a live connection from client_port to server_port.
    Linux hands the same ephemeral port to connections with different peers, and a closed one lingers
    in TIME_WAIT with inode 0, so the row must match both ports and own an inode."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    local, remote, inode = parts[1], parts[2], parts[9]
                    if (int(local.rsplit(":", 1)[1], 16) == client_port
                            and int(remote.rsplit(":", 1)[1], 16) == server_port and inode != "0"):
                        return inode
        except OSError:
            continue
    return None


def owner_of_client_port(port, server_port, pids):
    """The pid among pids whose socket is the client side (local port `port`) of a connection to
    `server_port`, or None."""
    inode = _inode_of_connection(port, server_port)
    if inode is None:
        return None
    for pid in pids:
        if pid and inode in _socket_inodes(pid):
            return pid
    return None


# ---- a Resend-style e-mail API that fails, stalls and de-duplicates -------------------------

class _FlakyMailHandler(_MailHandler):
    """fakes.MailServer's handler, plus: a delay before answering, a share of calls failing with 500
    before anything is accepted, and Resend's idempotency: a repeated `Idempotency-Key` gets the
    first answer and nothing is sent again; one still in progress gets 409."""

    def do_POST(self):
        owner = self.server.owner
        key = self.headers.get("Idempotency-Key")
        sender = owner.sender_of(self.client_address[1], self.server.server_address[1])
        call = owner.begin_call(key, sender)
        try:
            if owner.delay:
                time.sleep(owner.delay)
            length = int(self.headers.get("Content-Length") or 0)
            if key:
                state, first = owner.claim_key(key)
                if state == "replay":
                    self.rfile.read(length)
                    owner.count("replayed")
                    return self.send_json(200, first)
                if state == "busy":
                    self.rfile.read(length)
                    owner.count("concurrent_409")
                    return self.send_json(409, {"statusCode": 409, "name": "concurrent_idempotent_requests",
                                                "message": "Same idempotency key used while the first request is in progress"})
            else:
                owner.count("without_key")
            if owner.fails_now():
                self.rfile.read(length)
                owner.release_key(key)
                owner.count("failed_500")
                return self.send_json(500, {"statusCode": 500, "name": "internal_server_error",
                                            "message": "An unexpected error occurred"})
            super().do_POST()  # records and answers 200 {"id"} (or 4xx for a bad request)
            owner.release_key(key)  # a refused request (4xx) leaves no answer to replay
        finally:
            owner.end_call(call)


class FlakyMailServer(MailServer):
    def __init__(self, api_key):
        self.failure_rate = 0.0
        self.delay = 0.0
        self.by_key = {}  # Idempotency-Key -> first 200 answer, or None while in progress
        self.counts = {}
        self.calls = []  # {"key", "sender", "start", "end"}
        self.pids = {}  # name -> pid, to attribute calls to an instance
        self.random = random.Random(10)
        super().__init__(api_key)
        self.httpd.RequestHandlerClass = _FlakyMailHandler

    def configure(self, failure_rate=None, delay=None):
        with self.lock:
            if failure_rate is not None:
                self.failure_rate = failure_rate
            if delay is not None:
                self.delay = delay

    def count(self, what):
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def sender_of(self, client_port, server_port):
        with self.lock:
            pids = dict(self.pids)
        pid = owner_of_client_port(client_port, server_port, list(pids.values()))
        return next((name for name, p in pids.items() if p == pid), None)

    def begin_call(self, key, sender):
        call = {"key": key, "sender": sender, "start": time.time(), "end": None}
        with self.lock:
            self.calls.append(call)
            self.counts["calls"] = self.counts.get("calls", 0) + 1
        return call

    def end_call(self, call):
        with self.lock:
            call["end"] = time.time()

    def in_flight(self):
        with self.lock:
            return [dict(c) for c in self.calls if c["end"] is None]

    def claim_key(self, key):
        with self.lock:
            if key in self.by_key:
                first = self.by_key[key]
                return ("busy", None) if first is None else ("replay", first)
            self.by_key[key] = None
            return "new", None

    def release_key(self, key):
        if key:
            with self.lock:
                if self.by_key.get(key) is None:
                    self.by_key.pop(key, None)

    def fails_now(self):
        with self.lock:
            return self.failure_rate > 0 and self.random.random() < self.failure_rate

    def record(self, message_id, msg, headers):
        super().record(message_id, msg, headers)
        key = headers.get("idempotency-key")
        if key:
            with self.lock:
                self.by_key[key] = {"id": message_id}

    def deliveries(self):
        """recipient (lower-case) -> accepted messages (each a dict with json/headers)."""
        out = {}
        with self.lock:
            for m in self.messages:
                to = m["json"].get("to")
                for r in (to if isinstance(to, list) else [to]):
                    out.setdefault(str(r).lower(), []).append(m)
        return out


# ---- a job page that answers slowly (an in-flight request that takes a while) ---------------

class SlowPage:
    """GET /job.html -> a JSON-LD JobPosting after `delay` seconds."""

    def __init__(self, delay):
        page = (b'<html><head><title>Slow job</title><script type="application/ld+json">'
                b'{"@context":"https://schema.org","@type":"JobPosting","title":"Patient engineer",'
                b'"description":"Waits for answers","hiringOrganization":{"name":"Slowco"}}</script></head></html>')
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                time.sleep(outer.delay)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

        self.delay = delay
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/job.html"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
