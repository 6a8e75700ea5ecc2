"""Gradescope's autograder, made in one command: ``python -m grading gradescope autograder.zip``.

The zip holds ``setup.sh`` (run once, as root, when Gradescope builds the
image), ``run_autograder`` (run as root for each submission) and what they
need: the grading kit, the reference solution its own handout is made from,
and the course's handout if one is given. ``run_autograder`` locks the
grader's files away from the submission's user before grading, keeps the
whole run within a time budget, and always writes a valid ``results.json``:
a grader that fails is a failed test that says so, never an empty page.
"""

import json
import sys
import zipfile
from pathlib import Path

from grading.points import TOTAL
from grading.sandbox import clean

PACKAGE = Path(__file__).resolve().parent.parent
HANDOUT = "course-handout"  # the course's handout inside the zip, its suffix kept
LOG_TAIL = 3000  # characters of the grader's own output shown when it failed

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip bubblewrap >/dev/null
python3 -m venv /opt/grading-venv
/opt/grading-venv/bin/pip install --quiet -r /autograder/source/requirements.txt
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this as root for each submission, found in $ROOT/submission; it always
# leaves $ROOT/results/results.json.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
BUDGET="${GRADING_BUDGET:-480}"  # seconds for the whole run: well under Gradescope's 10 minutes
ISOLATION="${GRADING_ISOLATION:-user}"  # Gradescope's containers may forbid bwrap's namespaces
PYTHON="${GRADING_PYTHON:-/opt/grading-venv/bin/python}"
mkdir -p "$ROOT/results"
# The grader's files, the reference solution among them, are root's alone from here on.
chmod -R go-rwx "$ROOT/source"
OUT="$(mktemp -d)"
cd "$ROOT/source"
PROBE=$(( BUDGET > 12 ? BUDGET / 12 : 1 ))  # seconds per sub-question: ten of them, and a start
timeout --kill-after=10 "$BUDGET" "$PYTHON" -m grading grade "$ROOT/submission" \\
    --out "$OUT/graded" --isolation "$ISOLATION" --timeout "$PROBE" __HANDOUT__ >"$OUT/log" 2>&1
STATUS=$?
if [ -s "$OUT/graded/submission/results.json" ]; then
    cp "$OUT/graded/submission/results.json" "$ROOT/results/results.json"
elif ! "$PYTHON" -m grading.gradescope "$STATUS" "$OUT/log" >"$ROOT/results/results.json"; then
    echo '{"score": 0, "output": "The autograder failed: a person grades this.", "tests": []}' \\
        >"$ROOT/results/results.json"
fi
"""


def package_files():
    """The files the autograder needs, ``{path in the zip: path here}``."""
    files = {p.name: p for p in PACKAGE.glob("*.py")}
    for folder in ("grading", "runner"):
        for p in sorted((PACKAGE / folder).rglob("*.py")):
            if "__pycache__" not in p.parts:
                files[p.relative_to(PACKAGE).as_posix()] = p
    files["requirements.txt"] = PACKAGE / "requirements.txt"
    return files


def write_zip(out, handout=None):
    """Write Gradescope's autograder zip to ``out``; return its members' names."""
    flag = ""
    members = {name: path.read_bytes() for name, path in package_files().items()}
    if handout is not None:
        handout = Path(handout)
        if handout.is_dir():
            for p in sorted(handout.rglob("*")):
                if p.is_file() and "__pycache__" not in p.parts:
                    members[f"{HANDOUT}/{p.relative_to(handout).as_posix()}"] = p.read_bytes()
            flag = f"--handout {HANDOUT}"
        else:
            name = HANDOUT + "".join(handout.suffixes)
            members[name] = handout.read_bytes()
            flag = f"--handout {name}"
    scripts = {"setup.sh": SETUP, "run_autograder": RUN.replace("__HANDOUT__", flag)}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in scripts.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o100755 << 16
            z.writestr(info, text)
        for name, data in sorted(members.items()):
            z.writestr(name, data)
    return sorted([*scripts, *members])


def fallback(status, log):
    """A valid ``results.json`` for a run whose grader failed: one failed test that says so."""
    try:
        said = clean(Path(log).read_text(errors="replace"))[-LOG_TAIL:]
    except OSError:
        said = ""
    why = "ran out of its time budget" if status in ("124", "137") else f"exited with {status}"
    text = (
        f"The autograder {why} before grading this submission; a teaching assistant will "
        "grade it by hand."
    )
    return {
        "score": 0,
        "output": text,
        "tests": [
            {
                "name": "the autograder itself",
                "score": 0,
                "max_score": TOTAL,
                "status": "failed",
                "output": f"{text}\n--- what the grader printed ---\n{said}",
                "visibility": "visible",
            }
        ],
    }


if __name__ == "__main__":
    print(json.dumps(fallback(*sys.argv[1:3])))
