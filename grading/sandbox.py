"""Where a submission's code runs: a child process tree with limits, away from the grader.

A ``Sandbox`` holds one submission. Its folder (the submission's modules
beside the given ones, the probes, ``child.py`` and the ``questions`` package) is written
by the grader alone. Its process, ``child.py`` under ``python -I`` with a
stripped environment, forks once per probe and answers each with one JSON
line on stdout that carries the probe's arrays as an ``.npz``. The grader reads that
line with a size cap and loads the arrays with ``allow_pickle=False``: nothing
from the child is ever unpickled, inflated or followed through a link.

Three isolation levels (``--isolation``):

- ``bwrap`` (the default): each sandbox in its own bubblewrap sandbox, with
  new PID, network, IPC and UTS namespaces (a new user namespace too when the
  grader is not root). It sees the Python runtime read-only, its own folder
  read-only and a private ``/tmp`` and ``/dev/shm`` of capped size, nothing
  else. Every process it starts, detached or not, dies with it. As root, its
  processes run under a user id of their own, so that the process limit holds
  per sandbox.
- ``user``: the children run as another account (``--user``, ``nobody`` by
  default as root) in a host folder: for one submission per container, as on
  Gradescope, where namespaces may be forbidden.
- ``none``: the grader's own user, for trusted code only.
"""

import base64
import binascii
import contextlib
import io
import json
import os
import pwd
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import ClassVar

import numpy as np

CHILD = Path(__file__).with_name("child.py")
QUESTIONS = Path(__file__).with_name("questions")  # the sub-questions' package, both sides
STARTUP_SECONDS = 60  # importing torch in the child, on a loaded machine
RESULT_LIMIT = 4 << 20  # bytes of one probe's arrays; a probe's answers are kilobytes
ANSWER_LIMIT = 2 * RESULT_LIMIT  # bytes of one answer line: the arrays in base64, the output
ARRAY_LIMIT = 1 << 20  # entries of one array sent back
ISOLATIONS = ("bwrap", "user", "none")
INSIDE = "/sandbox"  # where a bwrap sandbox sees its own folder
SHM_BYTES = 16 << 20  # its private /dev/shm
MEMORY_FLOOR = 512 << 20  # bytes: Python with numpy and torch, and the RAM folders of bwrap
UID_BASE = 1_800_000_000  # user ids no account uses, one per bwrap sandbox when the grader is root
_uids = count()


class SandboxError(Exception):
    """The sandbox cannot be set up as asked (no bubblewrap, an unusable user, ...)."""


@dataclass
class Limits:
    timeout: float = 60.0  # seconds of wall time per probe
    memory: int = 2 << 30  # bytes: address space, plus the private /tmp and /dev/shm in bwrap
    isolation: str = "bwrap"
    user: str | None = None  # the account of isolation "user"
    processes: int = 64  # processes and threads one sandbox may run at once
    written: int = 64 << 20  # bytes it may write: its /tmp in bwrap, one file elsewhere


def default_user():
    """``nobody`` when the grader runs as root, else None (children run as the grader)."""
    return "nobody" if os.geteuid() == 0 else None


def check(limits):
    """Raise ``SandboxError`` with one line of advice unless ``limits`` can be honoured."""
    if limits.memory < MEMORY_FLOOR:
        raise SandboxError(
            f"--memory must be at least {MEMORY_FLOOR >> 20} MB: torch alone needs it"
        )
    if limits.isolation == "bwrap":
        _check_bwrap(limits)
    elif limits.isolation == "user":
        _check_user(limits)


def _check_bwrap(limits):
    if shutil.which("bwrap") is None:
        raise SandboxError(
            "bubblewrap (bwrap) is not installed: install the package bubblewrap "
            "(apt-get install bubblewrap, dnf install bubblewrap), or choose a weaker "
            "level with --isolation user (one submission per container) or --isolation none"
        )
    with tempfile.TemporaryDirectory() as empty:
        command = [*_bwrap_command(Path(empty), limits, 0), sandbox_python()]
        probe = subprocess.run(
            [*command, "-I", "-c", "import numpy"],
            capture_output=True,
            timeout=STARTUP_SECONDS,
            **_spawn_user(limits),
        )
    if probe.returncode != 0:
        why = clean(probe.stderr.decode(errors="replace")).strip().splitlines() or ["no reason"]
        raise SandboxError(
            f"bubblewrap cannot start a sandbox here ({why[-1]}): namespaces may be forbidden "
            "in this container; choose --isolation user (one submission per container) or "
            "--isolation none (trusted code only)"
        )


def _check_user(limits):
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
            env=_environment("/tmp"),
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
            "user can read it, choose another user with --user, or use --isolation bwrap."
        )


def _environment(scratch):
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(scratch),
        "TMPDIR": str(scratch),
        "MPLCONFIGDIR": str(scratch),
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def _bound(source, target):
    """bwrap arguments that show ``source`` read-only at ``target``, its parents 0755."""
    target = Path(target)
    parents = [p for p in reversed(target.parents) if p != Path("/")]
    args = []
    for parent in parents:
        args += ["--perms", "0755", "--dir", str(parent)]
    return [*args, "--ro-bind", str(source), str(target)]


VENV = "/venv"  # where a bwrap sandbox sees the grader's virtual environment, if it has one


def _runtime():
    """``[(folder, where the sandbox sees it)]``: Python, numpy and torch, nothing else.

    The installation stays at its own path, where a virtual environment's
    ``pyvenv.cfg`` finds it; the virtual environment itself, often inside the
    grader's own folder, shows at ``/venv``, so that no path of the grader shows.
    """
    base = Path(sys.base_prefix).resolve()
    folders = [] if base.is_relative_to("/usr") else [(base, base)]
    if sys.prefix != sys.base_prefix:
        folders.append((Path(sys.prefix).resolve(), Path(VENV)))
    return folders


def sandbox_python():
    """The Python interpreter as the bwrap sandbox sees it."""
    if sys.prefix != sys.base_prefix:
        return str(Path(VENV) / Path(sys.executable).relative_to(sys.prefix))
    return sys.executable


def _bwrap_command(root, limits, uid):
    """The bwrap command line that shows ``root`` at ``/sandbox``; the child's command follows."""
    command = [
        "bwrap",
        *("--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"),
        *("--unshare-cgroup-try", "--die-with-parent", "--new-session"),
        *("--hostname", "sandbox", "--ro-bind", "/usr", "/usr"),
    ]
    for link in ("bin", "lib", "lib32", "lib64", "sbin"):
        target = Path("/") / link
        if target.is_symlink():
            command += ["--symlink", os.readlink(target), str(target)]
        elif target.is_dir():
            command += ["--ro-bind", str(target), str(target)]
    for folder, seen_at in _runtime():
        command += _bound(folder, seen_at)
    command += ["--proc", "/proc", "--dev", "/dev"]
    command += ["--perms", "1777", "--size", str(limits.written), "--tmpfs", "/tmp"]
    command += ["--perms", "1777", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm"]
    command += ["--ro-bind", str(root), INSIDE, "--chdir", "/tmp"]
    if os.geteuid() != 0:
        return [*command, "--unshare-user", "--cap-drop", "ALL"]
    # Root sets up the mounts, then the child becomes a user id of its own with no capability.
    command += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return [
        *command,
        *("setpriv", "--reuid", str(uid), "--regid", str(uid), "--clear-groups"),
        *("--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"),
    ]


def _spawn_user(limits):
    """``subprocess`` arguments that start the child as the account of isolation ``user``."""
    if limits.isolation != "user" or limits.user is None:
        return {}
    account = pwd.getpwnam(limits.user)
    if account.pw_uid == os.geteuid():
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def processes_of(uid):
    """How many processes the user ``uid`` runs now (the process limit counts them all)."""
    running = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                running += entry.stat().st_uid == uid
    return running


def _no_caches(folder, names):
    return [name for name in names if name == "__pycache__"]


def remove_tree(path):
    """Remove a folder whatever a child left in it: any depth, links, odd modes."""
    subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)], check=False)


def load_arrays(raw):
    """The float arrays of an ``.npz`` the child sent, checked before anything is inflated.

    Only stored (uncompressed) members of at most ``RESULT_LIMIT`` bytes in all
    are read, each only if its header's shape fits the bytes it has, with
    ``allow_pickle=False``; anything else gives ``{}``.
    """
    try:
        arrays = {}
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > RESULT_LIMIT or any(
                m.compress_type != zipfile.ZIP_STORED for m in members
            ):
                return {}
            for m in members:
                value = _array(archive.read(m))
                if value is None:  # one member that is not plain numbers: no answer at all
                    return {}
                arrays[m.filename.removesuffix(".npy")] = value
        return arrays
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, NotImplementedError):
        return {}


def _array(data):
    """One ``.npy`` member's numbers, or None: its header is read first and must fit its data."""
    f = io.BytesIO(data)
    readers = {
        (1, 0): np.lib.format.read_array_header_1_0,
        (2, 0): np.lib.format.read_array_header_2_0,
    }
    read_header = readers.get(np.lib.format.read_magic(f))
    if read_header is None:
        return None
    shape, _, dtype = read_header(f, max_header_size=10000)
    count = int(np.prod(shape, dtype=object))
    if dtype.hasobject or dtype.kind not in "fiub" or count > ARRAY_LIMIT:
        return None
    if count * dtype.itemsize > len(data) - f.tell():
        return None
    f.seek(0)
    return np.load(f, allow_pickle=False).astype(np.float64)


def clean(text):
    """``text`` without control characters (escape sequences reach no terminal); keeps lines."""
    return "".join(c if c.isprintable() or c in "\n\t" else "\ufffd" for c in text)


class Sandbox:
    """One submission's folder and child process; ``run(label, spec, inputs)`` per probe."""

    live: ClassVar[set] = set()  # every open sandbox, so that a stopped grader can end them all
    stopping = False

    @classmethod
    def stop_all(cls):
        """End every sandbox's processes and folder; no new child starts after this."""
        cls.stopping = True
        for sandbox in list(cls.live):
            sandbox.close()

    def __init__(self, modules, limits):
        """modules: ``{relative path: source bytes}``, the given modules and the submission's."""
        self.limits = limits
        self.root = Path(tempfile.mkdtemp(prefix="grading-"))
        for sub in ("modules", "probes"):
            (self.root / sub).mkdir()
        for name, source in modules.items():
            path = self.root / "modules" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(source)
        shutil.copyfile(CHILD, self.root / CHILD.name)
        shutil.copytree(QUESTIONS, self.root / QUESTIONS.name, ignore=_no_caches)
        self.uid = os.geteuid()
        if limits.isolation == "bwrap" and self.uid == 0:
            self.uid = UID_BASE + (os.getpid() % 100_000) * 1000 + next(_uids) % 1000
        elif spawn := _spawn_user(limits):
            self.uid = spawn["user"]
        if limits.isolation == "bwrap":
            self.scratch = "/tmp"
        else:
            scratch = self.root / "scratch"
            scratch.mkdir()
            os.chown(scratch, self.uid, -1)
            self.scratch = str(scratch)
        for path in [self.root, *self.root.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        self.process = None
        self.buffer = b""
        Sandbox.live.add(self)

    def _start(self):
        if Sandbox.stopping:
            raise SandboxError("grading was stopped")
        limits = self.limits
        root = INSIDE if limits.isolation == "bwrap" else str(self.root)
        memory, command = limits.memory, [sys.executable]
        if limits.isolation == "bwrap":
            memory -= limits.written + SHM_BYTES  # the private /tmp and /dev/shm are memory too
            command = [*_bwrap_command(self.root, limits, self.uid), sandbox_python()]
        nproc = processes_of(self.uid) + limits.processes
        command += ["-I", f"{root}/child.py", root, self.scratch]
        command += [str(memory), str(int(limits.timeout) + 1), str(limits.written), str(nproc)]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self.root if limits.isolation == "bwrap" else self.scratch,
            env=_environment(self.scratch),
            start_new_session=True,
            **_spawn_user(limits),
        )
        self.buffer = b""
        self.deadline_slack = STARTUP_SECONDS

    def run(self, label, spec, inputs):
        """Run probe ``label`` on ``spec`` and ``inputs``; return its ``Reply``."""
        probes = self.root / "probes"
        (probes / f"{label}.json").write_text(json.dumps(spec))
        np.savez(probes / f"{label}.npz", **inputs)
        for suffix in (".json", ".npz"):
            os.chmod(probes / f"{label}{suffix}", 0o644)
        if self.process is None or self.process.poll() is not None:
            self._start()
        slack, self.deadline_slack = self.deadline_slack, 10
        try:
            self.process.stdin.write(f"{label} {self.limits.timeout}\n".encode())
            self.process.stdin.flush()
            answer = self._answer(time.monotonic() + self.limits.timeout + slack)
        except (OSError, ValueError):
            answer = None
        if answer is None or answer.get("label") != label:
            self._stop()
            return Reply(None, {}, {}, "the sandbox stopped answering (its process was killed)")
        return Reply(answer, *_results(answer), None)

    def _answer(self, deadline):
        """The child's next JSON line (at most ``ANSWER_LIMIT`` bytes), or None."""
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
        except (ValueError, RecursionError):
            return None
        return answer if isinstance(answer, dict) else None

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
        remove_tree(self.root)
        Sandbox.live.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _results(answer):
    """The arrays and notes an answer carries, read without trusting them."""
    arrays, notes = {}, {}
    with contextlib.suppress(TypeError, ValueError, binascii.Error):
        raw = base64.b64decode(answer.get("npz") or "", validate=True)
        if len(raw) <= RESULT_LIMIT:
            arrays = load_arrays(raw)
    loaded = answer.get("notes")
    if isinstance(loaded, dict):
        items = list(loaded.items())[:100]
        notes = {str(k)[:100]: clean(v[:500]) for k, v in items if isinstance(v, str)}
    return arrays, notes


@dataclass
class Reply:
    """One probe's outcome: the child's answer line, the arrays and notes, or why there are none."""

    answer: dict | None
    arrays: dict
    notes: dict
    lost: str | None
