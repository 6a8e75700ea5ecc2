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
import time
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
    spent: dict = field(default_factory=dict)  # bytes read per top-level entry
    counted: dict = field(default_factory=dict)  # files and folders per top-level entry
    others: list = field(default_factory=list)  # files not graded: written answers, ...
    archives: dict = field(default_factory=dict)  # {path of an archive read: when it was made}

    def add(self, path, data):
        if path.endswith(".py") and not any(part in JUNK for part in path.split("/")):
            self.files.setdefault(path, data)

    def other(self, path):
        """A file the grader does not open: named, so that a person reads it."""
        if not any(part in JUNK for part in path.split("/")) and len(self.others) < OTHERS_LIMIT:
            self.others.append(path)

    # The limits hold per participant of a Moodle download (per top-level entry named as
    # Moodle names them), so that no upload costs a classmate anything; else for the whole.
    @staticmethod
    def _whose(path):
        top = path.partition("/")[0]
        return top if MOODLE.match(top) else ""

    def count(self, path, n=1):
        top = self._whose(path)
        self.counted[top] = self.counted.get(top, 0) + n
        if self.counted[top] > MEMBER_LIMIT:
            raise Refused(f"more than {MEMBER_LIMIT} files: the rest was not read")

    def spend(self, size, what):
        top = self._whose(what)
        self.spent[top] = self.spent.get(top, 0) + size
        if self.spent[top] > TOTAL_LIMIT:
            raise Refused(f"{what}: more than {TOTAL_LIMIT >> 20} MB to read, the rest not read")

    def refused(self, where, why):
        """A note, once per participant (or for the whole) and reason."""
        whose = self._whose(where)
        note = f"{whose}: {why}" if whose else str(why)
        if note not in self.notes:
            self.notes.append(note)

    def read_folder(self, folder, prefix=""):
        for top, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d not in JUNK)
            for name in sorted(names):
                path = Path(top) / name
                relative = prefix + path.relative_to(folder).as_posix()
                try:
                    self.count(relative)
                except Refused as why:
                    self.refused(relative, why)
                    continue
                if not (name.endswith(".py") or is_archive(name)):
                    self.other(relative)
                    continue
                data = _read_regular(path, ARCHIVE_LIMIT if is_archive(name) else FILE_LIMIT)
                if data is None:
                    self.notes.append(f"{relative} was not read (a link, not a file, or too big)")
                elif is_archive(name):
                    try:
                        self.spend(len(data), relative)
                    except Refused as why:
                        self.refused(relative, why)
                        continue
                    self.archives[relative] = path.lstat().st_mtime
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
        except Exception as err:  # corrupt, encrypted, odd compression: a note, never a crash
            self.notes.append(f"{prefix.rstrip('/') or name} could not be read: {err!r:.200}")
            self.other(prefix.rstrip("/") or name)

    def _member(self, path, size, prefix, depth, f, made=0.0, charged=False):
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
        if not charged:
            self.spend(size, f"{prefix}{target}")
        data = f.read(size + 1)[:size]  # never more than the header declares
        if is_archive(target):
            self.archives[prefix + target] = made
            self.read_archive(io.BytesIO(data), target, f"{prefix}{target}/", depth + 1)
        else:
            self.add(prefix + target, data)

    def _zip(self, data, prefix, depth):
        with zipfile.ZipFile(data) as archive:
            for m in archive.infolist():
                where = prefix + (safe_path(m.filename) or "")
                try:
                    self.count(where)
                    if m.is_dir() or stat.S_ISLNK(m.external_attr >> 16):
                        continue
                    with archive.open(m) as f:
                        made = _zip_time(m.date_time)
                        self._member(m.filename, m.file_size, prefix, depth, f, made)
                except Refused as why:
                    self.refused(where, why)

    def _tar(self, data, prefix, depth):
        with tarfile.open(fileobj=data, mode="r:*") as archive:
            while (m := archive.next()) is not None:
                where = prefix + (safe_path(m.name) or "")
                try:
                    self.count(where)
                    if m.isreg():
                        # Skipping a member of a compressed tar inflates it all the same: it
                        # counts against the budget, read or not.
                        self.spend(m.size, where)
                        f = archive.extractfile(m)
                        self._member(m.name, m.size, prefix, depth, f, m.mtime, charged=True)
                except Refused as why:
                    self.refused(where, why)
                    break  # going on would inflate what the budget refused


def _zip_time(date_time):
    try:
        return time.mktime((*date_time, 0, 0, -1))
    except (OverflowError, ValueError):
        return 0.0


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
    """``({relative path: bytes}, notes, others, archives)``: the Python files of a folder or
    archive, the other files' paths, and when each archive in it was made."""
    path = Path(path)
    reader = Reader()
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
    return reader.files, reader.notes, reader.others, reader.archives


# Moodle's "Download all submissions": one entry per participant (or team) and plugin, named
# "<name>_<id>_assignsubmission_<plugin>" (a folder since Moodle 4.1), "..._<plugin>_" (a folder
# in 3.1-4.0) or "..._<plugin>_<file name>" (flat files, with folders off). Moodle writes full
# names with every "_" made a space, so the id is the number right before the FIRST
# "_assignsubmission_": a file may be named like another participant's, its own prefix counts.
MOODLE = re.compile(
    r"^(?P<name>.*?)(?:_(?P<id>\d+))?_assignsubmission_(?P<plugin>[a-z]+)(?:_(?P<rest>.*))?$",
    re.DOTALL,
)
NAME_LIMIT = 80  # characters of a submission's name in the outputs


@dataclass
class Submission:
    """One hand-in: its name, its Python files ``{path: bytes}``, what reading it noted."""

    name: str
    files: dict
    notes: list
    others: list = field(default_factory=list)  # files not graded, for a person to read
    moodle_ids: list = field(default_factory=list)  # every id whose row takes this grade
    refused: str | None = None  # why it is not graded, for a person to look at
    moodle_name: str | None = None  # the name Moodle gave the entry (a team's group name)


def submission_name(path):
    path = Path(path).resolve()
    return archive_stem(path.name) if path.is_file() else path.name


def printable(name):
    """A name as data: no control characters, odd bytes replaced, at most ``NAME_LIMIT`` long."""
    text = name.encode("utf-8", "replace").decode("utf-8", "replace")
    text = "".join(c if c.isprintable() else "\ufffd" for c in text).strip()
    return text[:NAME_LIMIT] or "submission"


def _moodle_entries(files, notes, others):
    """``{top: match}`` of a download's top-level entries, or None if it is not one."""
    tops = {p.partition("/")[0] for p in [*files, *others]} | {n.partition("/")[0] for n in notes}
    moodle = {top: m for top in tops if (m := MOODLE.match(top)) is not None}
    if not moodle or any(p.partition("/")[0] not in moodle for p in [*files, *others]):
        return None
    return moodle


def collect(path):
    """The submissions at ``path``: itself, or one per participant (or team) of a Moodle download.

    A participant's folder, or their flat files, is one submission named
    ``NAME_ID``. Two folders with one id are both refused. Submissions whose
    files are the same (a team's upload under each member, Moodle 3.1-4.0) are
    graded once, for every id.
    """
    files, notes, others, archives = read(path)
    moodle = _moodle_entries(files, notes, others)
    if moodle is None:
        return [Submission(printable(submission_name(path)), files, notes, others=others)]
    found, folders = {}, {}
    for top, m in sorted(moodle.items()):
        key = m["id"] or m["name"]
        prefix = f"{top}/"
        if any(p.startswith(prefix) for p in [*files, *others]) or not m["rest"]:
            folders.setdefault(key, []).append(top)
        name = printable(f"{m['name']}_{m['id']}" if m["id"] else m["name"])
        sub = found.setdefault(
            key, Submission(name, {}, [], moodle_ids=[m["id"]], moodle_name=m["name"])
        )
        for file, data in files.items():
            if file.startswith(prefix):
                sub.files[file[len(prefix) :]] = data
            elif file == top:
                sub.files[m["rest"]] = data
        sub.others += [o[len(prefix) :] for o in others if o.startswith(prefix)]
        sub.others += [m["rest"] for o in others if o == top]
        sub.notes += [n for n in notes if n.startswith((prefix, f"{top}:"))]
    for top, m in moodle.items():
        _newest_archive(found[m["id"] or m["name"]], top, archives)
    for key, tops in folders.items():
        if len(tops) > 1:
            found[key].refused = f"{len(tops)} folders carry the id {key}: " + ", ".join(tops)
    general = [n for n in notes if not any(n.startswith(top) for top in moodle)]
    for sub in found.values():
        sub.notes += general
        sub.moodle_ids = [i for i in sub.moodle_ids if i]
    return _once_per_content(list(found.values()))


def _newest_archive(sub, top, archives):
    """Of several archives a participant uploaded, grade the newest, and say which."""
    mine = {p[len(top) + 1 :]: made for p, made in archives.items() if p.startswith(f"{top}/")}
    uploaded = [p for p in mine if "/" not in p]
    if len(uploaded) < 2:
        return
    newest = max(uploaded, key=lambda p: (mine[p], p))
    dropped = [p for p in uploaded if p != newest]
    for old in dropped:
        sub.files = {p: d for p, d in sub.files.items() if not p.startswith(f"{old}/")}
        sub.others = [o for o in sub.others if not o.startswith(f"{old}/")] + [old]
    sub.notes.append(f"several archives: graded {newest}, the newest; not {', '.join(dropped)}")


def _once_per_content(subs):
    """A team's upload under each member (Moodle 3.1-4.0: ``Group-Member_ID``) graded once:
    the same files under the same group's prefix join the first's ids."""
    first, kept = {}, []
    for sub in subs:
        group, dash, _ = (sub.moodle_name or "").partition("-")
        if not (dash and sub.files) or sub.refused:
            kept.append(sub)
            continue
        key = (group, tuple(sorted(sub.files.items())))
        if key in first:
            twin = first[key]
            twin.moodle_ids += sub.moodle_ids
            twin.notes.append(f"the same files as {sub.name}, of the same team: graded once")
            continue
        first[key] = sub
        kept.append(sub)
    return kept


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
