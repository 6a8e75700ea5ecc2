"""The student handout, generated from this package's marked solution regions.

A graded region sits between ``#####Start Subtask 1b#####`` and
``#####End Subtask#####``, as in the course's own skeletons. The handout keeps
the markers and replaces what lies between them with a TODO and a
``raise NotImplementedError`` naming the sub-question; everything else, the
given code and every docstring, stays as it is.
"""

import ast
import re
from pathlib import Path

from grading.points import SHEET

PACKAGE = Path(__file__).resolve().parent.parent
START = re.compile(r"^(\s*)#####Start Subtask (\w+)#####\s*$")
END = re.compile(r"^\s*#####End Subtask#####\s*$")
# The label of a region beyond the sheet: the numpy LSTM's forward and backward.
EXTRA = "extra"
# The package's modules a student does not need: analysis scripts of this solution.
NOT_HANDED_OUT = ("bench.py", "experiments.py")


def regions(source):
    """The marked regions of a module's source: ``[(label, first line, last line)]``, 1-based.

    The lines are the markers' own. A marker without its partner is a ``ValueError``.
    """
    found, open_at = [], None
    for number, line in enumerate(source.splitlines(), 1):
        start = START.match(line)
        if start and open_at is None:
            open_at = (start.group(2), number)
        elif start or (END.match(line) and open_at is None):
            raise ValueError(f"line {number}: unbalanced Subtask marker")
        elif END.match(line):
            found.append((open_at[0], open_at[1], number))
            open_at = None
    if open_at is not None:
        raise ValueError(f"line {open_at[1]}: Subtask {open_at[0]} is never closed")
    return found


def _enclosing(tree, line):
    """The qualified name of the innermost function or class around ``line``."""
    names, nodes = [], list(ast.iter_child_nodes(tree))
    while nodes:
        node = next(
            (n for n in nodes if hasattr(n, "name") and n.lineno <= line <= n.end_lineno),
            None,
        )
        if node is None:
            break
        names.append(node.name)
        nodes = list(ast.iter_child_nodes(node))
    return ".".join(names)


def blank_out(source, module):
    """The module's source with every marked region replaced by a TODO and a raise."""
    tree = ast.parse(source)
    lines = source.splitlines()
    for label, first, last in reversed(regions(source)):
        indent = START.match(lines[first - 1]).group(1)
        where = f"{_enclosing(tree, first)} in {module}.py"
        lines[first : last - 1] = [
            f"{indent}# TODO: Subtask {label}, as the docstring above describes.",
            f'{indent}raise NotImplementedError("Subtask {label}: complete {where}")',
        ]
    return "\n".join(lines) + "\n"


def handout_files():
    """``{relative path: text}`` of the handout: every module, each marked region blanked out."""
    files = {}
    for path in sorted([*PACKAGE.glob("*.py"), *(PACKAGE / "runner").glob("*.py")]):
        if path.name in NOT_HANDED_OUT:
            continue
        files[path.relative_to(PACKAGE).as_posix()] = blank_out(path.read_text(), path.stem)
    files["requirements.txt"] = (PACKAGE / "requirements.txt").read_text()
    files["README.md"] = _readme()
    return files


def _readme():
    rows = []
    for path in sorted(PACKAGE.glob("*.py")):
        source = path.read_text()
        tree = ast.parse(source)
        for label, first, _ in regions(source):
            rows.append((label, f"`{_enclosing(tree, first)}` in `{path.name}`"))
    lines = [
        "# Exercise 6: Recurrent Neural Networks",
        "",
        "Complete the code between `#####Start Subtask ...#####` and `#####End Subtask#####`;",
        "each function's docstring says what it computes and the shape of every array.",
        "",
        "| sub-question | points | complete |",
        "|---|---|---|",
    ]
    for label, points in SHEET.items():
        where = ", ".join(w for lab, w in rows if lab == label) or "(run `python main.py --task 0`)"
        lines.append(f"| {label} | {points} | {where} |")
    extra = ", ".join(w for lab, w in rows if lab == EXTRA)
    lines.append(f"| beyond the sheet | 0 | {extra} (`--task 0 --RNN LSTM`) |")
    lines += [
        "",
        "Install with `pip install -r requirements.txt`; `python main.py --help` lists the tasks.",
        "",
    ]
    return "\n".join(lines)


def write_handout(out):
    """Write the handout into the folder ``out`` (created if needed); return the files' names."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = handout_files()
    for name, text in files.items():
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_text(text)
    return sorted(files)
