"""The grading kit's command line.

python -m grading grade SUBMISSION... [--out DIR] [--jobs N] [--timeout S] [--handout PATH]
    [--worksheet CSV [--existing keep|replace|add] [--scale]] [--isolation bwrap|user|none]
python -m grading grade --resume DIR [--only NAME]
python -m grading gradescope AUTOGRADER.zip [--handout PATH]
python -m grading skeleton OUT
"""

import argparse
import json
import math
import os
import secrets
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from atomic import atomic_write
from grading import gradescope, moodle, report, submission
from grading.grade import grade, read_handout
from grading.points import TOTAL
from grading.sandbox import (
    ISOLATIONS,
    Limits,
    Sandbox,
    SandboxError,
    check,
    clean,
    default_user,
)
from grading.skeleton import write_handout
from runner.stops import SignalGuard, Stopped


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
    g = commands.add_parser(
        "grade",
        help="grade submissions: folders, .zip, .tar.gz, .tgz or .tar files, or Moodle's "
        '"Download all submissions" (its zip or the folder it unpacks to)',
    )
    g.add_argument("submissions", nargs="*", type=Path, metavar="SUBMISSION")
    g.add_argument(
        "--resume",
        type=Path,
        metavar="OUT",
        help="go on with a stopped run in OUT: the same submissions, flags and seed; only "
        "what is missing is graded",
    )
    g.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="with --resume: grade the submission NAME again (as named in grades.csv)",
    )
    g.add_argument(
        "--handout",
        type=Path,
        help="the course's handout (folder or archive): its given modules replace the "
        "submissions' copies",
    )
    g.add_argument(
        "--worksheet",
        type=Path,
        help="Moodle's grading worksheet (CSV): OUT/worksheet.csv is it with Grade and "
        'Feedback comments filled, for Moodle\'s "Upload grading worksheet"',
    )
    g.add_argument(
        "--existing",
        choices=moodle.EXISTING,
        default="keep",
        help="a worksheet row that holds a grade or feedback already: keep it (default), "
        "replace it, or add the points to it",
    )
    g.add_argument(
        "--scale",
        action="store_true",
        help=f"write the points scaled from {TOTAL} to each row's Maximum Grade",
    )
    g.add_argument("--out", type=Path, default=Path("grades"), help="folder for the results")
    g.add_argument("--jobs", type=positive(int), default=1, help="submissions graded at once")
    g.add_argument("--timeout", type=positive(float), default=60.0, help="seconds per sub-question")
    g.add_argument(
        "--memory",
        type=positive(int),
        default=2048,
        help="MB of memory per submission: its address space, and its /tmp and /dev/shm in bwrap",
    )
    g.add_argument(
        "--isolation",
        choices=ISOLATIONS,
        default="bwrap",
        help="bwrap: each submission in its own bubblewrap sandbox (default); user: as another "
        "account (--user), for one submission per container; none: trusted code only",
    )
    g.add_argument(
        "--user",
        default=default_user(),
        help="the account of --isolation user (default: nobody when run as root)",
    )
    g.add_argument(
        "--seed",
        type=seed,
        help="draw the batch's inputs from this seed, 0 to 2^63 - 1 (default: fresh, printed)",
    )
    s = commands.add_parser("skeleton", help="write the student handout")
    s.add_argument("out", type=Path, metavar="OUT")
    a = commands.add_parser(
        "gradescope", help="write the zip Gradescope's autograder takes (setup.sh, run_autograder)"
    )
    a.add_argument("zip", type=Path, metavar="AUTOGRADER.zip")
    a.add_argument("--handout", type=Path, help="the course's handout (folder or archive)")
    return p


# The files beside the submissions' folders.
RESERVED = {
    "grades.csv",
    "worksheet.csv",
    "grades.partial.csv",
    "worksheet.partial.csv",
    "run.json",
}
RUN = "run.json"  # what a run was asked, for --resume


def unique_names(names):
    """The names, each made unique by a number where another took it (case aside)."""
    unique, taken = [], set(RESERVED)
    for base in names:
        base = base.lstrip(".") or "submission"
        name, number = base, 1
        while name.lower() in taken:
            number += 1
            name = f"{base}-{number}"
        taken.add(name.lower())
        unique.append(name)
    return unique


def check_out(out):
    """Refuse an output folder that holds anything already or that another user owns."""
    if out.exists() and not out.is_dir():
        raise OSError(f"--out {out} is not a folder")
    if out.is_dir() and (any(out.iterdir()) or out.stat().st_uid != os.geteuid()):
        raise OSError(f"--out {out} must be a new or empty folder of your own")
    out.mkdir(parents=True, exist_ok=True)


def run_grade(args):
    if args.resume is not None:
        try:
            args = resumed(args)
        except (OSError, ValueError) as err:
            return fail(f"--resume {args.resume}: {err}")
    elif not args.submissions or args.only:
        return fail("give the submissions to grade, or --resume OUT (--only goes with --resume)")
    missing = [
        str(p)
        for p in args.submissions
        if not (p.is_dir() or (p.is_file() and submission.is_archive(p.name)))
    ]
    if missing:
        return fail(f"not a folder or a .zip, .tar.gz, .tgz or .tar file: {', '.join(missing)}")
    user = args.user if args.isolation == "user" else None
    limits = Limits(args.timeout, args.memory << 20, args.isolation, user)
    try:
        handout = None if args.handout is None else read_handout(args.handout)
        sheet = None if args.worksheet is None else read_worksheet(args.worksheet)
        check(limits)
        if args.resume is None:
            check_out(args.out)
    except (SandboxError, OSError, submission.Refused, moodle.Unusable) as err:
        return fail(str(err))
    if args.seed is None:
        args.seed = secrets.randbits(63)
    say(f"one set of inputs for all, drawn from seed {args.seed} (--seed {args.seed} again)")
    remember(args)
    subs = [s for path in args.submissions for s in submission.collect(path)]
    if args.isolation == "user" and len(subs) > 1:
        return fail(
            f"--isolation user grades one submission (one container, as Gradescope's), not "
            f"{len(subs)}: their processes would share one account. Use --isolation bwrap"
        )
    for sub, name in zip(subs, unique_names(s.name for s in subs), strict=True):
        sub.name = name
    worksheet = None
    if sheet is not None:  # matched before any grading: what will not fit is said now
        rows, unmatched = moodle.match(sheet, subs)
        worksheet = Filling(sheet, rows, subs, args.existing, args.scale)
        for line in [*sheet.problems, *unmatched]:
            print(f"worksheet: {clean(line)}", file=sys.stderr)
    grades = {k: g for k, s in enumerate(subs) if (g := earlier(args, s)) is not None}
    todo = [k for k in range(len(subs)) if k not in grades]
    pool = ThreadPoolExecutor(args.jobs)
    with SignalGuard() as guard:
        try:
            futures = {pool.submit(grade, subs[k], limits, args.seed, handout): k for k in todo}
            for done, future in enumerate(as_completed(futures), len(grades) + 1):
                grades[futures[future]] = result = future.result()
                say(f"[{done}/{len(subs)}] " + report.table(result))
        except Stopped as stop:
            Sandbox.stop_all()
            pool.shutdown(wait=False, cancel_futures=True)
            finished = [grades[k] for k in sorted(grades)]
            write(finished, args.out, worksheet, partial=True)
            print(
                f"stopped by {stop}: {len(finished)} of {len(subs)} graded; the outputs are "
                f"marked partial. Go on with: python -m grading grade --resume {args.out}",
                file=sys.stderr,
            )
            os._exit(128 + stop.signum)
        guard.hold()  # the results are written whole: a signal from here on is held back
        pool.shutdown()
        write([grades[k] for k in sorted(grades)], args.out, worksheet)
    filled = ", worksheet.csv" if worksheet is not None else ""
    say(report.summary([grades[k] for k in sorted(grades)]))
    say(f"results in {args.out}/ (grades.csv{filled} and NAME/results.json)")
    failed = [g.name for g in grades.values() if any(t.grader_error for t in g.tests)]
    if failed:
        print(
            f"error: the grader itself failed on part of {', '.join(failed)}; see results.json",
            file=sys.stderr,
        )
        return 1
    refused = [g for g in grades.values() if g.refused]
    for g in refused:
        print(f"not graded, for a person to look at: {clean(g.name)}: {g.refused}", file=sys.stderr)
    left_out = [] if worksheet is None else worksheet.left_out()
    for what in left_out:
        said = what if isinstance(what, str) else f"{what.name}: no row of the worksheet"
        print(f"worksheet: not filled: {clean(said)}", file=sys.stderr)
    if refused or left_out:
        return 3
    return 0


ASKED = ("submissions", "handout", "worksheet", "existing", "scale", "timeout", "memory",
         "isolation", "user", "seed")  # fmt: skip


def remember(args):
    """``OUT/run.json``: what this run was asked, so that ``--resume`` asks the same."""
    asked = {k: getattr(args, k) for k in ASKED}
    for k in ("submissions", "handout", "worksheet"):
        value = asked[k]
        if isinstance(value, list):
            asked[k] = [str(Path(p).resolve()) for p in value]
        elif value is not None:
            asked[k] = str(Path(value).resolve())
    text = json.dumps(asked, indent=2)
    atomic_write(args.out / RUN, lambda f: f.write(text.encode()))


def resumed(args):
    """The stopped run's own arguments, with ``OUT`` and ``--only`` from this command."""
    asked = json.loads((args.resume / RUN).read_text())
    for k in ASKED:
        value = asked[k]
        if k == "submissions":
            value = [Path(p) for p in value]
        elif k in ("handout", "worksheet") and value is not None:
            value = Path(value)
        setattr(args, k, value)
    args.out = args.resume
    return args


def earlier(args, sub):
    """The grade a resumed run already has for ``sub`` (None: grade it, or again with --only)."""
    if args.resume is None or sub.name in (args.only or ()):
        return None
    path = args.out / sub.name / "results.json"
    try:
        return report.from_results(json.loads(path.read_text()), sub)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def say(text):
    """Print, and keep grading if the reader of stdout has gone (``| head``)."""
    try:
        print(clean(text), flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def read_worksheet(path):
    """The worksheet, read as Moodle reads it; ``moodle.Unusable`` if it cannot be filled."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise OSError(f"--worksheet {path} cannot be read: {err.strerror}") from None
    try:
        return moodle.read(raw)
    except moodle.Unusable as why:
        raise moodle.Unusable(f"--worksheet {path}: {why}") from None


@dataclass
class Filling:
    """The worksheet, the rows each submission's grade goes to, and how to fill them."""

    sheet: object
    rows: dict
    subs: list
    existing: str
    scale: bool

    def left_out(self):
        """Submissions without a row, and rows the worksheet cannot take."""
        return [s for s in self.subs if id(s) in self.rows and not self.rows[id(s)]] + list(
            self.sheet.problems
        )


def write(grades, out, worksheet=None, partial=False):
    """Each submission's ``results.json``, then ``grades.csv`` and the filled worksheet.

    Written after every child is gone, so no submission can overwrite them. A stopped run
    writes ``grades.partial.csv`` and ``worksheet.partial.csv``: nothing looks complete.
    """
    mark = ".partial" if partial else ""
    for result in grades:
        report.write_results(result, out / result.name)
    report.write_csv(grades, out / f"grades{mark}.csv")
    if not partial:
        for stale in ("grades.partial.csv", "worksheet.partial.csv"):
            (out / stale).unlink(missing_ok=True)
    if worksheet is not None:
        by_name = {s.name: s for s in worksheet.subs}
        pairs = [(by_name[g.name], g) for g in grades if g.name in by_name]
        text, messages = moodle.fill(
            worksheet.sheet, pairs, worksheet.rows, worksheet.existing, worksheet.scale
        )
        for message in messages:
            print(f"worksheet: {clean(message)}", file=sys.stderr)
        raw = text.encode("utf-8", errors="surrogateescape")
        atomic_write(out / f"worksheet{mark}.csv", lambda f: f.write(raw))


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    return 2


def main(argv=None):
    args = parser().parse_args(argv)
    import torch

    torch.set_num_threads(1)  # the grader's references are tiny: threads only contend
    if args.command == "gradescope":
        try:
            if args.handout is not None:
                read_handout(args.handout)
            names = gradescope.write_zip(args.zip, args.handout)
        except (OSError, submission.Refused) as err:
            return fail(f"cannot write the autograder: {err}")
        print(f"{args.zip}: {len(names)} files; upload it in Gradescope's Configure Autograder")
        return 0
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
