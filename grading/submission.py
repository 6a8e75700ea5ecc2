"""What a submission holds: its Python files, read from a folder or an archive, and its layout.

A submission is a folder, a ``.zip``, ``.tar``, ``.tar.gz`` or ``.tgz``, or
any of these holding archives of its own (Moodle's download holds each
group's archive in a folder). Everything is read in memory, nothing is
unpacked to disk: no path outside the submission (``..``, absolute paths),
no link, device or hard link followed, caps on the bytes, members and depth.
Each refusal is one line of notes.

Two layouts are graded: this package's handout (``BasicRNNCell.py``,
``common.py``, ... anywhere), and the course's own (the folders
``q1_bptt_for_torch/`` and ``q2_rnn_torch/`` at any depth, or their files
side by side, the numpy and the torch ``BasicRNNCell.py`` told apart by
their content).
"""

import ast
import io
import os
import re
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grading.questions.layouts import COURSE, OWN, Q1, Q2

FILE_LIMIT = 1 << 20  # bytes of one Python file; a module is a few kilobytes
ARCHIVE_LIMIT = 64 << 20  # bytes of one inner archive
TOTAL_LIMIT = 256 << 20  # bytes of everything read from one path (a class's download)
MEMBER_LIMIT = 10_000  # files and folders of one submission
DEPTH_LIMIT = 3  # archives inside archives inside ...
ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz")
JUNK = ("__MACOSX", "__pycache__", ".git", ".DS_Store", ".idea", ".vscode", ".ipynb_checkpoints")
OTHERS_LIMIT = 50  # names of files not graded (PDFs, photos, ...) kept per submission


class Refused(Exception):
    """A submission, or a part of it, that is not read; the message says why in one line."""


def is_archive(path):
    return str(path).lower().endswith(ARCHIVES)


def archive_stem(name):
    """The name of an archive without its suffix (``a.tar.gz`` -> ``a``)."""
    lower = name.lower()
    for suffix in sorted(ARCHIVES, key=len, reverse=True):
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def safe_path(name):
    """The member name as a relative POSIX path, or None if it points outside the submission."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        return None
    return "/".join(parts)


@dataclass
class Reader:
    """Collects the ``.py`` files of a submission, ``{path: bytes}``, under the caps."""

    files: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    budget: int = TOTAL_LIMIT
    members: int = 0
    others: list = field(default_factory=list)  # files not graded: written answers, ...

    def add(self, path, data):
        if path.endswith(".py") and not any(part in JUNK for part in path.split("/")):
            self.files.setdefault(path, data)

    def other(self, path):
        """A file the grader does not open: named, so that a person reads it."""
        if not any(part in JUNK for part in path.split("/")) and len(self.others) < OTHERS_LIMIT:
            self.others.append(path)

    def count(self, n=1):
        self.members += n
        if self.members > MEMBER_LIMIT:
            raise Refused(f"more than {MEMBER_LIMIT} files: the rest was not read")

    def spend(self, size, what):
        if size > self.budget:
            raise Refused(f"{what}: more than {TOTAL_LIMIT >> 20} MB to read, the rest not read")
        self.budget -= size

    def read_folder(self, folder, prefix=""):
        for top, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d not in JUNK)
            self.count(len(dirs) + len(names))
            for name in sorted(names):
                path = Path(top) / name
                relative = prefix + path.relative_to(folder).as_posix()
                if not (name.endswith(".py") or is_archive(name)):
                    self.other(relative)
                    continue
                data = _read_regular(path, ARCHIVE_LIMIT if is_archive(name) else FILE_LIMIT)
                if data is None:
                    self.notes.append(f"{relative} was not read (a link, not a file, or too big)")
                elif is_archive(name):
                    self.spend(len(data), relative)
                    self.read_archive(io.BytesIO(data), name, f"{relative}/", 1)
                else:
                    self.add(relative, data)

    def read_archive(self, data, name, prefix, depth):
        """Read the archive in the binary file ``data`` (named ``name``) into ``prefix``."""
        if depth > DEPTH_LIMIT:
            self.notes.append(f"{prefix.rstrip('/')}: archives nested deeper than {DEPTH_LIMIT}")
            return
        try:
            if name.lower().endswith(".zip"):
                self._zip(data, prefix, depth)
            else:
                self._tar(data, prefix, depth)
        except Refused as why:
            self.notes.append(f"{prefix.rstrip('/')}: {why}")
        except Exception as err:  # corrupt, encrypted, odd compression: a note, never a crash
            self.notes.append(f"{prefix.rstrip('/') or name} could not be read: {err!r:.200}")
            self.other(prefix.rstrip("/") or name)

    def _member(self, path, size, prefix, depth, f):
        """One member of ``size`` bytes at ``path``, to be read from the file ``f``."""
        target = safe_path(path)
        if target is None:
            self.notes.append(f"{prefix}{path}: a path outside the submission, not read")
            return
        if not (target.endswith(".py") or is_archive(target)):
            self.other(prefix + target)
            return
        if size > (FILE_LIMIT if target.endswith(".py") else ARCHIVE_LIMIT):
            self.notes.append(f"{prefix}{target} was not read (too big)")
            return
        self.spend(size, f"{prefix}{target}")
        data = f.read(size + 1)[:size]  # never more than the header declares
        if is_archive(target):
            self.read_archive(io.BytesIO(data), target, f"{prefix}{target}/", depth + 1)
        else:
            self.add(prefix + target, data)

    def _zip(self, data, prefix, depth):
        with zipfile.ZipFile(data) as archive:
            members = archive.infolist()
            self.count(len(members))
            for m in members:
                if m.is_dir() or stat.S_ISLNK(m.external_attr >> 16):
                    continue
                with archive.open(m) as f:
                    self._member(m.filename, m.file_size, prefix, depth, f)

    def _tar(self, data, prefix, depth):
        with tarfile.open(fileobj=data, mode="r:*") as archive:
            while (m := archive.next()) is not None:
                self.count()
                if not m.isreg():
                    continue
                self._member(m.name, m.size, prefix, depth, archive.extractfile(m))


def _read_regular(path, limit):
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


def read(path):
    """``({relative path: bytes}, notes, others)``: the Python files of a folder or archive,
    and the other files' paths."""
    path = Path(path)
    reader = Reader(budget=TOTAL_LIMIT)
    try:
        if path.is_dir():
            reader.read_folder(path)
        else:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError as err:
                raise Refused(f"{path.name} cannot be read: {err.strerror}") from None
            with os.fdopen(fd, "rb") as f:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise Refused(f"{path.name} is not a regular file")
                reader.read_archive(f, path.name, "", 1)
    except Refused as why:
        reader.notes.append(str(why))
    return reader.files, reader.notes, reader.others


# Moodle's "Download all submissions": a folder per participant (or group) and submission plugin.
MOODLE = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_[a-z]+_(?P<rest>.*)$")


@dataclass
class Submission:
    """One hand-in: its name, its Python files ``{path: bytes}``, what reading it noted."""

    name: str
    files: dict
    notes: list
    moodle_id: str | None = None  # the participant's (or the group's) id in Moodle's download
    others: list = field(default_factory=list)  # files not graded, for a person to read


def submission_name(path):
    path = Path(path).resolve()
    return archive_stem(path.name) if path.is_file() else path.name


def collect(path):
    """The submissions at ``path``: itself, or one per participant of a Moodle download.

    In a download every top-level entry is named ``NAME_ID_assignsubmission_...``;
    a participant's folder, or (older Moodle) the prefix of its files, is one
    submission named ``NAME_ID``.
    """
    files, notes, others = read(path)
    tops = {p.partition("/")[0] for p in [*files, *others]} | {n.partition("/")[0] for n in notes}
    moodle = {top: m for top in tops if (m := MOODLE.match(top)) is not None}
    if not moodle or any(p.partition("/")[0] not in moodle for p in files):
        return [Submission(submission_name(path), files, notes, others=others)]
    found = {}
    for top, m in sorted(moodle.items()):
        key = f"{m['name']}_{m['id']}"
        sub = found.setdefault(key, Submission(key, {}, [], m["id"]))
        prefix = f"{top}/"
        for file, data in files.items():
            if file.startswith(prefix):
                sub.files[file[len(prefix) :]] = data
            elif file == top:
                sub.files[m["rest"]] = data
        sub.others += [o[len(prefix) :] if o.startswith(prefix) else m["rest"] for o in others
                       if o.startswith(prefix) or o == top]  # fmt: skip
        sub.notes += [n for n in notes if n.startswith(top)]
    general = [n for n in notes if n.partition("/")[0] not in moodle]
    for sub in found.values():
        sub.notes += general
    return list(found.values())


# --- layouts ------------------------------------------------------------------


@dataclass
class Found:
    """A submission's files as the sandbox lays them out, and the handout layout they follow."""

    layout: object  # a ``questions.layouts.Layout``
    files: dict  # {sandbox path: bytes}: ``NAME.py`` (own), ``q1_bptt_for_torch/NAME.py`` ...


def detect(files):
    """``OWN`` or ``COURSE`` for the files ``{path: bytes}`` of one submission.

    A file of the course's layout is one in ``q1_bptt_for_torch/`` or
    ``q2_rnn_torch/``, one that only the course's handout has, or a
    ``common.py`` with ``clip_gradient`` alone; one of this package's is any
    other graded module. The layout whose file lies shallowest wins, the
    course's on a tie.
    """
    own, course = [], []
    for path, data in files.items():
        p = PurePosixPath(path)
        only_clip_gradient = p.name == "common.py" and b"def clip_gradients(" not in data
        if {Q1, Q2} & set(p.parts[:-1]) or p.name in COURSE.only_here or only_clip_gradient:
            course.append(len(p.parts))
        elif p.stem in OWN.graded_modules:
            own.append(len(p.parts))
    if not course:
        return OWN
    return OWN if own and min(own) < min(course) else COURSE


def _shallowest(paths):
    return min(paths, key=lambda p: (p.count("/"), p))


def _beside(files, folder, taken):
    """The group's own modules: the other ``.py`` files in ``folder``, ``{name: bytes}``."""
    return {
        PurePosixPath(p).name: data
        for p, data in files.items()
        if str(PurePosixPath(p).parent) == folder and PurePosixPath(p).name not in taken
    }


def own_files(files):
    """The graded modules of this package's layout, each the shallowest of its name, and the
    group's own modules beside them."""
    found, folders = {}, []
    for module in OWN.graded_modules:
        paths = [p for p in files if PurePosixPath(p).name == f"{module}.py"]
        if paths:
            chosen = _shallowest(paths)
            found[f"{module}.py"] = files[chosen]
            folders.append(str(PurePosixPath(chosen).parent))
    for folder in dict.fromkeys(folders):
        found = _beside(files, folder, set(found)) | found
    return found


def _is_torch(data):
    return re.search(rb"^\s*(import|from)\s+torch", data, re.MULTILINE) is not None


def course_files(files):
    """``{"q1_bptt_for_torch/NAME.py": bytes, ...}``: the course's files wherever they lie.

    A file in a folder of its question's name wins; else the shallowest of its
    name, the two ``BasicRNNCell.py`` told apart by whether they import torch.
    The group's own modules beside a question's files come along.
    """
    found = {}
    for question, names in COURSE.files.items():
        folders = []
        for name in names:
            paths = [p for p in files if PurePosixPath(p).name == name]
            if name == "BasicRNNCell.py":
                paths = [p for p in paths if _is_torch(files[p]) == (question == Q2)]
            inside = [p for p in paths if PurePosixPath(p).parent.name == question]
            if inside or paths:
                chosen = _shallowest(inside or paths)
                found[f"{question}/{name}"] = files[chosen]
                folders.append(str(PurePosixPath(chosen).parent))
        if folders:
            folder = max(set(folders), key=folders.count)
            mine = _beside(files, folder, set(COURSE.files[Q1] + COURSE.files[Q2]))
            found = {f"{question}/{name}": data for name, data in mine.items()} | found
    return found


def layout(files):
    kind = detect(files)
    return Found(kind, own_files(files) if kind is OWN else course_files(files))


def _top_level(tree):
    """``{name: node}`` of a module's top-level functions, classes and assignments."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found[node.name] = node
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = node
    return found


def _lines(node):
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return first, node.end_lineno


def splice(given, submitted, graded):
    """The group's source with the handout's own given definitions in place of its copies.

    Every top-level function, class or assignment that the handout's file has
    and that is not ``graded`` comes from the handout; the graded functions and
    everything the group added (helpers, constants, imports) stay the group's.
    Given definitions the group's file lacks, and the handout's imports, are
    added. Where either source does not parse, the group's is used whole.
    """
    try:
        given_text, submitted_text = given.decode(), submitted.decode()
        given_tree, submitted_tree = ast.parse(given_text), ast.parse(submitted_text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return submitted
    given_lines, lines = given_text.splitlines(), submitted_text.splitlines()
    theirs, ours = _top_level(submitted_tree), _top_level(given_tree)
    given_names = {name: node for name, node in ours.items() if name not in graded}

    def text(node):
        first, last = _lines(node)
        return given_lines[first - 1 : last]

    replaced = [(theirs[name], node) for name, node in given_names.items() if name in theirs]
    for mine, node in sorted(replaced, key=lambda pair: pair[0].lineno, reverse=True):
        first, last = _lines(mine)
        lines[first - 1 : last] = text(node)
    for name, node in given_names.items():
        if name not in theirs:
            lines += ["", "", *text(node)]
    imports = [
        line
        for node in given_tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        for line in text(node)
        if line not in lines
    ]
    return ("\n".join(imports + lines) + "\n").encode()


def modules(found, handout):
    """The files the sandbox sees, and what it notes.

    This package's layout: its own handout, the submission's graded modules
    on top. The course's: given modules come from the instructor's handout,
    never from the submission (without a handout, from the submission); the
    graded files are the group's, with the handout's given definitions in
    place where a file holds both; the group's own modules come along.
    """
    if found.layout is OWN:
        from grading.skeleton import handout_files

        given = {n: t.encode() for n, t in handout_files().items() if n.endswith(".py")}
        graded = {f"{module}.py" for module in OWN.graded_modules}
        mine = {n: data for n, data in found.files.items() if n in graded or n not in given}
        return {**given, **mine}, []
    notes = [] if handout else ["graded without --handout: the submission's own given modules"]
    handed_out = {f"{q}/{name}" for q, names in COURSE.files.items() for name in names}
    files = {}
    for path in sorted(set(found.files) | set(handout or {})):
        mine, given = found.files.get(path), (handout or {}).get(path)
        if path not in handed_out:
            files[path] = mine
        elif path not in COURSE.graded:
            files[path] = given if handout else mine
        elif mine is None or given is None:
            files[path] = mine if mine is not None else given
        elif COURSE.graded[path]:
            files[path] = splice(given, mine, COURSE.graded[path])
        else:
            files[path] = mine
    return {p: data for p, data in files.items() if data is not None}, notes
