"""Submissions in the course handout's interface, made from the fixture in ``tests/course/``.

``course_files()`` is a correct submission, ``blank(...)`` its handout (each
solution region becomes the course's insert marker and ``pass``), ``PLANTED``
bugs planted in it, ``READINGS`` the other answers a teaching assistant of the
course accepts, each of which must earn full marks. ``tests/corpus/`` holds
submissions written as groups of students write them (their graded files and
own modules; ``corpus(name)`` lays them over the fixture's given modules):
``CORRECT`` styles, each right, and ``MISTAKES``, each with one realistic bug in
``plain_base/``, a right hand-in of its own style.
"""

import re
from pathlib import Path

COURSE = Path(__file__).resolve().parent / "course"
CORPUS = Path(__file__).resolve().parent / "corpus"
Q1, Q2 = "q1_bptt_for_torch", "q2_rnn_torch"
REGION = re.compile(
    r"^(?P<indent>[ \t]*)#####Start Subtask (?P<label>\w+)#####\n"
    r".*?^[ \t]*#####End Subtask[ \w]*#####\n",
    re.DOTALL | re.MULTILINE,
)


def course_files():
    """``{relative path: text}`` of the correct course-layout submission."""
    return {
        p.relative_to(COURSE).as_posix(): p.read_text()
        for p in sorted(COURSE.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def _py_files(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_text()
        for p in sorted(folder.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def corpus(name):
    """``{relative path: text}`` of the corpus submission ``name`` over the fixture's files.

    A mistake's folder holds only the file its one bug is in; the group's other files are
    ``plain_base/``, the right hand-in it was copied from.
    """
    base = _py_files(CORPUS / "plain_base") if name.startswith("bug_") else {}
    return course_files() | base | _py_files(CORPUS / name)


CORRECT = [*sorted(p.name for p in CORPUS.glob("ok_*")), "plain_base"]
# name: ({sub-question: points lost}, words the lost points' reasons contain)
MISTAKES = {
    "bug_fprop_no_relu": ({"1a": 2}, "fprop without its ReLU"),
    "bug_bprop_no_mask": ({"1b": 3}, "bprop without the ReLU mask"),
    "bug_bprop_dbh_assign": ({"1b": 0.5}, "db_h differs from torch autograd"),
    "bug_clip_inverse": ({"1d": 0.5}, "the inverse factor"),
    "bug_memtest_whole_seq": ({"1e": 2}, "the accuracy over the whole sequence"),
    "bug_forget_tanh": ({"2b": 3}, "the forget gate with tanh"),
    "bug_no_zero_grad": ({"2c": 2}, "no optimizer.zero_grad()"),
    "bug_loss_softmax": ({"2d": 1}, "softmax before cross_entropy"),
    "bug_acc_whole_seq": ({"2e": 0.5}, "the accuracy over the whole sequence"),
    "bug_testloop_no_divide": ({"2e": 0.5}, "the sum over batches, not their mean"),
}


def blank(files):
    """The handout: every solution region replaced by the course's insert marker and ``pass``."""
    return {
        path: REGION.sub(
            lambda m: (
                f"{m['indent']}#####Insert your code here for subtask {m['label']}#####\n"
                f"{m['indent']}pass\n"
            ),
            text,
        )
        for path, text in files.items()
    }


def replaced(changes, files=None):
    """``files`` (the correct submission by default) with ``{path: [(old, new)]}`` applied."""
    files = dict(course_files() if files is None else files)
    for path, pairs in changes.items():
        for old, new in pairs:
            assert files[path].count(old) == 1, f"{path}: {old!r} is not there once"
            files[path] = files[path].replace(old, new)
    return files


def write(folder, files):
    for path, text in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)


# name: ({path: [(old, new)]}, {sub-question: points lost})
PLANTED = {
    "c_no_recurrent_term": (
        {f"{Q1}/BasicRNNCell.py": [("dh = (dy + from_later) * mask", "dh = dy * mask")]},
        {"1b": 3},
    ),
    "c_clip_not_in_place": (
        {f"{Q1}/common.py": [("grad *= threshold / norm", "grad = grad * threshold / norm")]},
        {"1d": 1},
    ),
    "c_no_identity": (
        {f"{Q1}/BasicRNNCell.py": [("self.W_hh = np.eye(n_hidden)", "pass")]},
        {"1f": 1},
    ),
    "c_constant_weights": (
        {
            f"{Q2}/MyLSTMCell.py": [
                (
                    "torch.randn(hidden_size, input_size + hidden_size) * 0.1",
                    "torch.zeros(hidden_size, input_size + hidden_size)",
                )
            ]
        },
        {"2a": 1},
    ),
    "c_loss_doubled": (
        {f"{Q2}/memory_task.py": [('reduction="sum")', 'reduction="sum") * 2')]},
        {"2d": 1},
    ),
    "c_test_loop_wrong_mean": (
        {f"{Q2}/loops.py": [("{avg_acc / num_batches}", "{avg_acc / (num_batches + 1)}")]},
        {"2e": 0.5},
    ),
}

SPLIT_LSTM = """
        def weight(columns):
            return torch.nn.Parameter(torch.randn(hidden_size, columns) * 0.1)

        def bias():
            return torch.nn.Parameter(torch.zeros(hidden_size))

        self.W_xi, self.W_xf, self.W_xg, self.W_xo = (weight(input_size) for _ in range(4))
        self.W_hi, self.W_hf, self.W_hg, self.W_ho = (weight(hidden_size) for _ in range(4))
        self.b_xi, self.b_xf, self.b_xg, self.b_xo = (bias() for _ in range(4))
        self.b_hi, self.b_hf, self.b_hg, self.b_ho = (bias() for _ in range(4))
        self.out = torch.nn.Linear(hidden_size, output_size)
"""
SPLIT_STEP = """
            x_t, h = x[:, t, :].T, self.hidden_state

            def gate(k):
                W_x, W_h = getattr(self, f"W_x{k}"), getattr(self, f"W_h{k}")
                b_x, b_h = getattr(self, f"b_x{k}"), getattr(self, f"b_h{k}")
                return W_x @ x_t + b_x[:, None] + W_h @ h + b_h[:, None]

            i, f, g, o = torch.sigmoid(gate("i")), torch.sigmoid(gate("f")), gate("g"), gate("o")
            self.cell_state = f * self.cell_state + i * torch.tanh(g)
            self.hidden_state = torch.sigmoid(o) * torch.tanh(self.cell_state)
            outputs[:, t, :] = self.out(self.hidden_state.T)
"""


def _lstm(init, step):
    """The fixture's cell with its 2a and 2b regions replaced."""
    text = course_files()[f"{Q2}/MyLSTMCell.py"]
    for label, body in (("2a", init), ("2b", step)):
        region = rf"(#####Start Subtask {label}#####\n).*?(\n[ ]*#####End)"
        text = re.sub(region, lambda m, body=body: m[1] + body.strip("\n") + m[2], text, flags=re.S)
    return text


# name: {path: [(old, new)]} or {path: whole text}; each earns full marks. (The corpus holds
# the other readings: clipping by norm + 1e-6, accuracy in percent and from the delimiter, a
# three-argument loss over the last L, one stacked matrix on [h; x].)
READINGS = {
    "r_clip_each_parameter": {
        f"{Q2}/loops.py": [
            (
                "torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)",
                "for p in model.parameters():\n"
                "                torch.nn.utils.clip_grad_norm_([p], 5.0)",
            )
        ]
    },
    "r_lstm_split_two_biases_linear": {f"{Q2}/MyLSTMCell.py": _lstm(SPLIT_LSTM, SPLIT_STEP)},
}


def reading(name):
    """The correct submission with the reading ``name`` in place of the fixture's own."""
    files = course_files()
    changes = {}
    for path, change in READINGS[name].items():
        if isinstance(change, str):
            files[path] = change
        else:
            changes[path] = change
    return replaced(changes, files)
