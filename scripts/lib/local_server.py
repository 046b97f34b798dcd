"""One throw-away `hirebase serve` for the scripts that check a built binary end to end
(scripts/check-docs-page, scripts/run-probe): development mode, SQLite in a temporary directory,
127.0.0.1 and a free port, a clean environment (scripts/interop/server.py: none of the caller's
server settings leak in), stopped at exit.

    with LocalServer(binary, {"STRIPE_WEBHOOK_SECRET": "whsec_..."}) as server:
        server.base_url                   # http://127.0.0.1:PORT
        server.command(["token", ...])   # `hirebase token ...` in the same directory and environment
"""

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
import server as interop_server  # noqa: E402  (scripts/interop/server.py)


class LocalServer:
    def __init__(self, binary, settings=None, name="hirebase"):
        self.binary = os.path.abspath(binary)
        self.settings = {"HIREBASE_ENV": "development", "LOG_LEVEL": "warning", **(settings or {})}
        self.name = name
        self.workdir = None
        self.process = None

    def __enter__(self):
        if not os.access(self.binary, os.X_OK):
            raise SystemExit(f"FAIL binary: {self.binary} does not exist or is not executable (swift build --product hirebase)")
        self.workdir = tempfile.mkdtemp(prefix=f"{self.name}-")
        # The SQLite file (and the development JWT secret beside it) live in the working directory.
        self.env = interop_server.server_env(self.settings)
        self.log_path = os.path.join(self.workdir, "server.log")
        self.process = interop_server.ServerProcess(self.binary, self.env, self.log_path, self.workdir, name=self.name)
        self.process.start()
        ok, why = self.process.wait_healthy(timeout=90)
        if not ok:
            print(f"FAIL start: {why}\n{interop_server.log_tail(self.log_path)}", flush=True)
            self.__exit__(None, None, None)
            raise SystemExit(1)
        return self

    @property
    def base_url(self):
        return self.process.base_url

    def command(self, args, extra_env=None, timeout=120):
        """Runs `hirebase ARGS` beside the server (same directory and environment). -> CompletedProcess (text)."""
        import subprocess
        env = dict(self.env, **(extra_env or {}))
        return subprocess.run([self.binary, *args], env=env, cwd=self.workdir, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)

    def log_tail(self, lines=40):
        return interop_server.log_tail(self.log_path, lines)

    def __exit__(self, *exc):
        if self.process:
            self.process.stop()
        if self.workdir and os.environ.get("KEEP_WORKDIR") != "1":
            shutil.rmtree(self.workdir, ignore_errors=True)
        return False
