"""Where a submission's code runs: a child process tree with limits, away from the grader.

A ``Sandbox`` is a temporary folder holding the submission's modules beside
the given ones, and a process (``child.py`` under ``python -I``, a stripped
environment, an unprivileged user when the grader is root) that forks once per
probe. The grader hands it inputs as JSON and ``.npz`` files and reads back
``.npz`` files with ``allow_pickle=False``: nothing from the child is ever
unpickled, and no file it leaves is followed through a link or read past a
size cap.
"""

import contextlib
import io
import json
import os
import pwd
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

CHILD = Path(__file__).with_name("child.py")
STARTUP_SECONDS = 60  # importing torch in the child, on a loaded machine
ANSWER_LIMIT = 1 << 20
RESULT_LIMIT = 64 << 20


class SandboxError(Exception):
    """The sandbox cannot be set up as asked (an unusable user, say)."""


@dataclass
class Limits:
    timeout: float = 60.0  # seconds of wall time per probe
    memory: int = 2 << 30  # bytes of address space
    user: str | None = None  # the account the children run as; None: the grader's own


def default_user():
    """``nobody`` when the grader runs as root, else None (children run as the grader)."""
    return "nobody" if os.geteuid() == 0 else None


def check_user(limits):
    """Raise ``SandboxError`` unless ``limits.user`` can run this Python with numpy and torch."""
    if limits.user is None or limits.user == pwd.getpwuid(os.geteuid()).pw_name:
        return
    try:
        account = pwd.getpwnam(limits.user)
    except KeyError:
        raise SandboxError(f"there is no user {limits.user!r} to run submissions as") from None
    try:
        probe = subprocess.run(
            [sys.executable, "-I", "-c", "import numpy, torch"],
            user=account.pw_uid,
            group=account.pw_gid,
            extra_groups=[],
            cwd="/",
            env=_environment(Path("/tmp")),
            capture_output=True,
            timeout=STARTUP_SECONDS,
        )
        failed = probe.returncode != 0
    except (OSError, subprocess.TimeoutExpired):
        failed = True
    if failed:
        raise SandboxError(
            f"user {limits.user!r} cannot run {sys.executable} with numpy and torch "
            "(a folder on the way is not readable for it). Install Python where that "
            "user can read it, or choose another user with --user; --user root runs "
            "submissions with all of root's rights."
        )


def _environment(home):
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(home),
        "MPLCONFIGDIR": str(home),
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def read_capped(path, limit):
    """The bytes of a regular file, not through a link and at most ``limit`` long; else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return f.read(limit + 1)[:limit]


class Sandbox:
    """One submission's folder and child process; ``run(label, probe)`` per sub-question."""

    live: ClassVar[set] = set()  # every open sandbox, so that a stopped grader can end them all
    stopping = False

    @classmethod
    def stop_all(cls):
        """End every sandbox's processes and folder; no new child starts after this."""
        cls.stopping = True
        for sandbox in list(cls.live):
            sandbox.close()

    def __init__(self, modules, limits):
        """modules: ``{file name: source bytes}``, the given modules and the submission's."""
        self.limits = limits
        self.root = Path(tempfile.mkdtemp(prefix="grading-"))
        for sub in ("modules", "probes", "results", "scratch"):
            (self.root / sub).mkdir()
        for name, source in modules.items():
            (self.root / "modules" / name).write_bytes(source)
        shutil.copyfile(CHILD, self.root / "child.py")
        self.account = None
        if limits.user is not None and limits.user != pwd.getpwuid(os.geteuid()).pw_name:
            self.account = pwd.getpwnam(limits.user)
            self._give_to(self.account)
        self.process = None
        self.buffer = b""
        Sandbox.live.add(self)

    def _give_to(self, account):
        """The child may write results and scratch files; the rest it may only read."""
        for path in [self.root, *self.root.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        for sub in ("results", "scratch"):
            os.chown(self.root / sub, account.pw_uid, account.pw_gid)

    def _start(self):
        if Sandbox.stopping:
            raise SandboxError("grading was stopped")
        cpu = int(self.limits.timeout) + 1
        command = [sys.executable, "-I", str(self.root / "child.py"), str(self.root)]
        command += [str(self.limits.memory), str(cpu)]
        switch = {}
        if self.account is not None:
            switch = {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self.root / "scratch",
            env=_environment(self.root / "scratch"),
            start_new_session=True,
            **switch,
        )
        self.buffer = b""
        self.deadline_slack = STARTUP_SECONDS

    def run(self, label, spec, inputs):
        """Run probe ``label`` on ``spec`` and ``inputs``; return a ``Run``."""
        probes = self.root / "probes"
        (probes / f"{label}.json").write_text(json.dumps(spec))
        np.savez(probes / f"{label}.npz", **inputs)
        os.chmod(probes / f"{label}.json", 0o644)
        os.chmod(probes / f"{label}.npz", 0o644)
        if self.process is None or self.process.poll() is not None:
            self._start()
        slack, self.deadline_slack = self.deadline_slack, 10
        try:
            self.process.stdin.write(f"{label} {self.limits.timeout}\n".encode())
            self.process.stdin.flush()
            answer = self._answer(time.monotonic() + self.limits.timeout + slack)
        except (OSError, ValueError):
            answer = None
        if answer is None:
            self._stop()
            return Run(None, {}, {}, "the sandbox stopped answering (its process was killed)")
        arrays, notes = self._results(label)
        return Run(answer, arrays, notes, None)

    def _answer(self, deadline):
        """The child's next JSON line, or None if it ends or the deadline passes."""
        fd = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or len(self.buffer) > ANSWER_LIMIT:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            chunk = os.read(fd, 65536) if ready else b""
            if ready and not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            answer = json.loads(line)
        except ValueError:
            return None
        return answer if isinstance(answer, dict) else None

    def _results(self, label):
        """The arrays and notes of a probe, read without trusting the files."""
        arrays, notes = {}, {}
        raw = read_capped(self.root / "results" / f"{label}.npz", RESULT_LIMIT)
        if raw is not None:
            try:
                with np.load(io.BytesIO(raw), allow_pickle=False) as data:
                    for name in data.files:
                        value = data[name]
                        if value.dtype.kind in "fiub" and value.size < 1 << 22:
                            arrays[name] = value.astype(np.float64)
            except (ValueError, OSError, EOFError, KeyError):
                arrays = {}
        raw = read_capped(self.root / "results" / f"{label}.json", ANSWER_LIMIT)
        if raw is not None:
            try:
                loaded = json.loads(raw)
                notes = (
                    {k: str(v)[:500] for k, v in loaded.items()} if isinstance(loaded, dict) else {}
                )
            except ValueError:
                notes = {}
        return arrays, notes

    def _stop(self):
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        self.process = None

    def close(self):
        """Kill every process the submission left behind and remove the folder."""
        self._stop()
        shutil.rmtree(self.root, ignore_errors=True)
        Sandbox.live.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@dataclass
class Run:
    """One probe's outcome: the child's answer line, the arrays and notes, or why there are none."""

    answer: dict | None
    arrays: dict
    notes: dict
    lost: str | None
