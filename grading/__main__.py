"""The grading kit's command line.

python -m grading grade SUBMISSION... [--out DIR] [--jobs N] [--timeout S]
python -m grading skeleton OUT
"""

import argparse
import math
import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from grading import report
from grading.grade import grade, submission_name
from grading.sandbox import Limits, Sandbox, SandboxError, check_user, default_user
from grading.skeleton import write_handout

SIGNALS = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}


class Stop(BaseException):
    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.code = SIGNALS[signum]


def positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not 0 < value < math.inf:
            raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
        return value

    return parse


def seed(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to 2^63 - 1, got {text!r}")
    return value


def parser():
    p = argparse.ArgumentParser(prog="python -m grading", description=__doc__.splitlines()[0])
    commands = p.add_subparsers(dest="command", required=True)
    g = commands.add_parser("grade", help="grade submissions (folders or .zip files)")
    g.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION")
    g.add_argument("--out", type=Path, default=Path("grades"), help="folder for the results")
    g.add_argument("--jobs", type=positive(int), default=1, help="submissions graded at once")
    g.add_argument("--timeout", type=positive(float), default=60.0, help="seconds per sub-question")
    g.add_argument(
        "--memory", type=positive(int), default=2048, help="MB of address space per child"
    )
    g.add_argument(
        "--user",
        default=default_user(),
        help="the account submissions run as (default: nobody when run as root)",
    )
    g.add_argument(
        "--seed", type=seed, help="draw the inputs from this seed, 0 to 2^63 - 1 (default: fresh)"
    )
    s = commands.add_parser("skeleton", help="write the student handout")
    s.add_argument("out", type=Path, metavar="OUT")
    return p


def unique_names(paths):
    """``{path: name}``: the folder's or zip's name, numbered when two share one."""
    names, seen = {}, {}
    for path in paths:
        name = submission_name(path)
        seen[name] = seen.get(name, 0) + 1
        names[path] = name if seen[name] == 1 else f"{name}-{seen[name]}"
    return names


def run_grade(args):
    missing = [str(p) for p in args.submissions if not (p.is_dir() or p.suffix.lower() == ".zip")]
    missing += [str(p) for p in args.submissions if p.suffix.lower() == ".zip" and not p.is_file()]
    if missing:
        return fail(f"not a folder or a .zip file: {', '.join(missing)}")
    limits = Limits(args.timeout, args.memory << 20, args.user)
    try:
        check_user(limits)
        args.out.mkdir(parents=True, exist_ok=True)
    except (SandboxError, OSError) as err:
        return fail(str(err))
    names = unique_names(args.submissions)
    grades = {}
    for signum in SIGNALS:
        signal.signal(signum, _raise_stop)
    pool = ThreadPoolExecutor(args.jobs)
    try:
        futures = {pool.submit(grade, p, limits, args.seed): p for p in args.submissions}
        for future in as_completed(futures):
            result = future.result()
            result.name = names[futures[future]]
            grades[futures[future]] = result
            say(report.table(result))
    except Stop as stop:
        Sandbox.stop_all()
        pool.shutdown(wait=False, cancel_futures=True)
        finished = [grades[p] for p in args.submissions if p in grades]
        write(finished, args.out)
        print(f"stopped by {stop}: {len(finished)} of {len(names)} graded", file=sys.stderr)
        os._exit(stop.code)
    pool.shutdown()
    write([grades[p] for p in args.submissions], args.out)
    say(f"results in {args.out}/ (grades.csv and NAME/results.json)")
    failed = [g.name for g in grades.values() if any(t.grader_error for t in g.tests)]
    if failed:
        return fail(f"the grader itself failed on part of {', '.join(failed)}; see results.json")
    return 0


def say(text):
    """Print, and keep grading if the reader of stdout has gone (``| head``)."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _raise_stop(signum, frame):
    for s in SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    raise Stop(signum)


def write(grades, out):
    """Each submission's ``results.json``, then ``grades.csv``.

    Written after every child is gone, so no submission can overwrite them.
    """
    for result in grades:
        report.write_results(result, out / result.name)
    report.write_csv(grades, out / "grades.csv")


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    return 2


def main(argv=None):
    args = parser().parse_args(argv)
    if args.command == "skeleton":
        try:
            names = write_handout(args.out)
        except OSError as err:
            return fail(f"cannot write the handout: {err}")
        print(f"handout written to {args.out}/: {', '.join(names)}")
        return 0
    return run_grade(args)


if __name__ == "__main__":
    sys.exit(main())
