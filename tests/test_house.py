"""The repository's shape: the exercise's modules at the top import none of the machinery that
runs them, and no graded module imports another beyond what the course's own skeleton does
(its ``loops.py`` imports ``memory_task.py``)."""

import ast

from conftest import ROOT

from grading.questions.layouts import OWN

SCRIPTS = {"main", "experiments", "bench"}
MACHINERY = {"runner", "grading", *SCRIPTS}
GRADED_IMPORTS_ALLOWED = {("loops", "memory_task")}


def imported(path):
    """The top-level names of every module ``path`` imports, wherever in the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_imports_run_from_the_machinery_to_the_exercise_never_back():
    exercise = [p for p in ROOT.glob("*.py") if p.stem not in SCRIPTS]
    assert {p.stem for p in exercise} >= set(OWN.graded_modules) | {"layer", "copy_task"}
    for path in exercise:
        assert not imported(path) & MACHINERY, path.name
    for path in (ROOT / "runner").glob("*.py"):
        assert not imported(path) & {"grading", *SCRIPTS}, path.name


def test_no_graded_module_imports_another():
    for module in OWN.graded_modules:
        others = imported(ROOT / f"{module}.py") & set(OWN.graded_modules) - {module}
        assert {(module, other) for other in others} <= GRADED_IMPORTS_ALLOWED, module


def test_the_root_holds_the_exercise_and_three_scripts():
    machinery = {"tasks", "outputs", "stops", "footprint", "curriculum"}
    assert not {p.stem for p in ROOT.glob("*.py")} & machinery
    assert {p.stem for p in (ROOT / "runner").glob("*.py")} == machinery | {"__init__"}
