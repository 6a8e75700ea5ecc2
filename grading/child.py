"""The grading kit's process inside the sandbox: forks one probe at a time, answers in JSON.

Run by the grader as ``python -I child.py WORKDIR SCRATCH MEMORY_BYTES CPU_SECONDS
FILE_BYTES PROCESSES``, never imported by it; the ``questions`` package lies beside it.
``WORKDIR/modules`` holds the submission's modules beside the given ones;
``SCRATCH`` is the one folder it may write. This process lowers its own
limits, imports numpy and torch (before any submission code), then reads one
probe label per line of stdin. For each it forks a process that runs
``questions.run_probe``, waits for it within the probe's time limit, keeps the head
and tail of what it printed, and answers with one JSON line on stdout that
carries the arrays it left (base64 of the ``.npz``) and its messages.
"""

import base64
import contextlib
import json
import os
import resource
import select
import signal
import stat
import sys
import time
import traceback

OUTPUT_KEEP = 4000
RESULT_LIMIT = 4 << 20  # bytes of one probe's arrays; the grader reads no more
PR_SET_DUMPABLE = 4  # prctl's option, from <linux/prctl.h>


def set_limits(memory_bytes, file_bytes, processes):
    """Cap this process and its forks: address space, file size, processes, no core dumps."""
    for which, value in (
        (resource.RLIMIT_AS, memory_bytes),
        (resource.RLIMIT_FSIZE, file_bytes),
        (resource.RLIMIT_NPROC, processes),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(which, (value, value))


class Output:
    """What a fork printed: the first and last ``OUTPUT_KEEP`` bytes, and how much was left out."""

    def __init__(self):
        self.head, self.tail, self.dropped = b"", b"", 0

    def add(self, chunk):
        room = OUTPUT_KEEP - len(self.head)
        self.head, chunk = self.head + chunk[:room], chunk[room:]
        joined = self.tail + chunk
        self.dropped += max(0, len(joined) - OUTPUT_KEEP)
        self.tail = joined[-OUTPUT_KEEP:]

    def text(self):
        gap = f"\n[... {self.dropped} bytes left out ...]\n" if self.dropped else ""
        return self.head.decode(errors="replace") + gap + self.tail.decode(errors="replace")


def collect(fd, pid, deadline):
    """Read the fork's output until it exits or the deadline passes.

    Returns ``(wait status, timed out, Output)``. The fork is killed at the
    deadline; whatever it left running is killed with the whole sandbox later.
    """
    output, status, timed_out, reading = Output(), None, False, True
    os.set_blocking(fd, False)
    while status is None:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            timed_out = True
            break
        if reading:
            ready, _, _ = select.select([fd], [], [], min(left, 0.1))
            reading = not ready or drain(fd, output)
        else:
            time.sleep(min(left, 0.02))
        done, wait_status = os.waitpid(pid, os.WNOHANG)
        status = wait_status if done else None
    if reading:
        drain(fd, output)
    return status, timed_out, output


def drain(fd, output, limit=1 << 24):
    """Read what is waiting in the pipe (up to ``limit`` bytes); False at its end."""
    while limit > 0:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        output.add(chunk)
        limit -= len(chunk)
    return True


def read_results(results, label):
    """The arrays (base64 of the ``.npz``) and notes a fork left, or what stands in for none."""
    npz, notes = "", {}
    with contextlib.suppress(OSError, ValueError):
        npz = base64.b64encode(read_file(os.path.join(results, f"{label}.npz"))).decode()
    with contextlib.suppress(OSError, ValueError, RecursionError):
        loaded = json.loads(read_file(os.path.join(results, f"{label}.json")))
        if isinstance(loaded, dict):
            notes = {k: v for k, v in loaded.items() if isinstance(v, str)}
    return npz, notes


def read_file(path):
    """At most ``RESULT_LIMIT`` bytes of a regular file, never through a link or a pipe."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        return f.read(RESULT_LIMIT)


def serve(workdir, results, cpu_seconds, run_probe):
    """Answer each ``LABEL TIMEOUT`` line: ``run_probe(workdir, results, LABEL)`` in a fork."""
    for line in sys.stdin:
        label, timeout = line.split()
        for old in (f"{label}.npz", f"{label}.json"):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(results, old))
        started = time.monotonic()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(write, 1)
            os.dup2(write, 2)
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
            code = 0
            try:
                run_probe(workdir, results, label)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        os.close(write)
        status, timed_out, output = collect(read, pid, started + float(timeout))
        os.close(read)
        npz, notes = read_results(results, label)
        answer = {
            "label": label,
            "exit": os.waitstatus_to_exitcode(status),
            "timed_out": timed_out,
            "seconds": time.monotonic() - started,
            "output": output.text(),
            "npz": npz,
            "notes": notes,
        }
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def undumpable():
    """No probe this process starts may trace it or open its pipes through ``/proc``."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def main():
    undumpable()
    workdir, scratch = sys.argv[1], sys.argv[2]
    memory, cpu_seconds, file_bytes, processes = map(int, sys.argv[3:7])
    set_limits(memory, file_bytes, processes)
    results = os.path.join(scratch, ".results")
    os.makedirs(results, exist_ok=True)
    import matplotlib

    matplotlib.use("Agg")
    # What the given modules import, loaded once here instead of in every fork.
    import matplotlib.figure
    import matplotlib.pyplot
    import numpy  # noqa: F401
    import torch
    import tqdm.auto  # noqa: F401

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import questions

    torch.set_num_threads(1)
    os.chdir(scratch)
    serve(workdir, results, cpu_seconds, questions.run_probe)


if __name__ == "__main__":
    main()
