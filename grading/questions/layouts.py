"""The handout layouts the grader knows: where each sub-question lives, and how to call it.

A ``Layout`` says, for the grader, which files a handout has, which of them
hold graded code (and which functions in a file that also holds given code)
and where each sub-question lives; and, inside the sandbox, how to build and
call the submission's code the way that handout does (the course's cell
keeps ``bh`` as a column and a list of states, its memory test prints the
accuracy, ...). The sub-questions' modules call only these methods, so a
new handout (next year's) is one more ``Layout`` here and nothing else.
"""

import contextlib
import io
from typing import ClassVar

from .base import submission

Q1, Q2 = "q1_bptt_for_torch", "q2_rnn_torch"


def _captured(call, *args):
    """``(returned, printed)`` of ``call(*args)``; what it printed is also passed on."""
    import sys

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        returned = call(*args)
    sys.stdout.write(printed.getvalue())
    return returned, printed.getvalue()


def _set(obj, name, value):
    """Overwrite the array ``obj.name`` in place with ``value`` (in the array's own shape)."""
    import numpy as np

    current = getattr(obj, name, None)
    if not isinstance(current, np.ndarray) or current.size != value.size:
        found = getattr(current, "shape", None if current is None else type(current).__name__)
        raise ValueError(f"expected {name} to be an array of {value.size} entries, found {found}")
    current[...] = value.reshape(current.shape)


class Layout:
    """One handout's layout. Subclasses fill in the tables and the sandbox's calls."""

    name = ""
    title = ""
    folders: ClassVar[dict] = {"1": "", "2": ""}  # question -> the folder of its modules
    where: ClassVar[dict] = {}  # "label" or "label.part" -> "folder/module.function"
    bias = "b_h"  # the numpy cell's bias attribute

    def locate(self, label, part=None):
        """Where sub-question ``label`` (its ``part``, if that lives apart) is graded."""
        return self.where.get(f"{label}.{part}") or self.where[label]

    def graded_files(self, label):
        """The files that hold sub-question ``label``'s graded code."""
        places = [v for k, v in self.where.items() if k.partition(".")[0] == label]
        return {place.rsplit(".", 1)[0] + ".py" for place in places}

    def folder(self, label):
        return self.folders[label[0]]

    # --- inside the sandbox ------------------------------------------------------------

    def new_rnn(self, I, H, weights):
        """The numpy cell with the grader's weights in place of its own."""
        cell = submission("BasicRNNCell").BasicRNNCell(I, H)
        for name, given in (("W_hh", "W_hh"), ("W_hx", "W_hx"), (self.bias, "b_h")):
            _set(cell, name, weights[given])
        return cell

    def next_sequence(self, cell):
        """What the handout's own code does between two sequences."""

    def clip(self, grads, threshold):
        raise NotImplementedError

    def memory_test(self, net, L, V, delim, blank):
        """``(returned, printed)`` of the memorization test on ``net``."""
        raise NotImplementedError

    def identity_cell(self, I, H):
        raise NotImplementedError

    def new_lstm(self, I, H, O):
        return submission("MyLSTMCell").MyLSTMCell(I, H, O, "cpu")

    def test_loop(self, model, dataset, batch_size, L):
        """``(returned, printed)`` of the copy task's test loop."""
        loop = submission("loops").test_loop_mem_task
        return _captured(loop, model, dataset, batch_size, L)


class Own(Layout):
    """This package's handout: flat modules, batched numpy cells, functions that return."""

    name = "own"
    title = "this package's handout"
    where: ClassVar[dict] = {
        "1a": "BasicRNNCell.fprop",
        "1b": "BasicRNNCell.bprop",
        "1c": "common.run_exploding_grads_test",
        "1d": "common.clip_gradients",
        "1e": "common.run_memory_test",
        "1f": "BasicRNNCell.__init__",
        "2a": "MyLSTMCell.__init__",
        "2b": "MyLSTMCell.forward",
        "2c": "loops.train_loop",
        "2d": "memory_task.memory_task_loss",
        "2e": "memory_task.memory_task_acc",
        "2e.test_loop": "loops.test_loop_mem_task",
    }
    graded_modules = ("BasicRNNCell", "common", "MyLSTMCell", "loops", "memory_task")

    def bptt(self, cell, xs, dhs, weights):
        cell.fprop(xs.copy())
        if hasattr(cell, "clear_stored_derivs"):
            cell.clear_stored_derivs()
        dxs = cell.bprop(dhs.copy())
        return {"dW_hh": cell.dW_hh, "dW_hx": cell.dW_hx, "db_h": cell.db_h, "dxs": dxs}, {}

    def clip(self, grads, threshold):
        submission("common").clip_gradients(grads, threshold)

    def memory_test(self, net, L, V, delim, blank):
        return _captured(submission("common").run_memory_test, net, L, V, delim, blank)

    def identity_cell(self, I, H):
        cls = submission("BasicRNNCell").BasicRNNCell
        try:
            return cls(I, H, init="identity").W_hh, "init='identity'"
        except TypeError:
            return cls(I, H).W_hh, "the identity as the only initialization"


class Course(Layout):
    """The course's WS 2023/24 handout: ``q1_bptt_for_torch/`` and ``q2_rnn_torch/``."""

    name = "course"
    title = f"the course's WS 2023/24 handout ({Q1}/, {Q2}/)"
    folders: ClassVar[dict] = {"1": Q1, "2": Q2}
    bias = "bh"
    where: ClassVar[dict] = {
        "1a": f"{Q1}/BasicRNNCell.fprop",
        "1b": f"{Q1}/BasicRNNCell.bprop",
        "1c": f"{Q1}/test.run_exploding_grads_test",
        "1d": f"{Q1}/common.clip_gradient",
        "1e": f"{Q1}/test.run_memory_test",
        "1f": f"{Q1}/BasicRNNCell.__init__",
        "2a": f"{Q2}/MyLSTMCell.__init__",
        "2b": f"{Q2}/MyLSTMCell.forward",
        "2c": f"{Q2}/loops.train_loop",
        "2d": f"{Q2}/memory_task.memory_task_loss",
        "2e": f"{Q2}/memory_task.memory_task_acc",
        "2e.test_loop": f"{Q2}/loops.test_loop_mem_task",
    }
    # Every file of the handout, by folder.
    files: ClassVar[dict] = {
        Q1: ("BasicRNNCell.py", "LinearLayer.py", "common.py", "data_generator.py", "train.py",
             "test.py", "main.py"),
        Q2: ("AbstractRNNCell.py", "BasicRNNCell.py", "MyLSTMCell.py", "loops.py",
             "memory_task.py", "SineDataset.py", "CharSequenceDataset.py", "main.py"),
    }  # fmt: skip
    # The graded files; for those that hold given functions too, the graded ones: the
    # handout's other top-level definitions replace the group's copies, all else is the group's.
    graded: ClassVar[dict] = {
        f"{Q1}/BasicRNNCell.py": None,
        f"{Q1}/common.py": ("clip_gradient",),
        f"{Q1}/test.py": ("run_memory_test",),
        f"{Q2}/MyLSTMCell.py": None,
        f"{Q2}/loops.py": None,
        f"{Q2}/memory_task.py": None,
    }
    only_here = ("test.py", "train.py", "data_generator.py", "SineDataset.py",
                 "CharSequenceDataset.py")  # fmt: skip

    def next_sequence(self, cell):
        cell.clear_stored_states()  # the course's run_forward_pass clears after each sequence

    def bptt(self, cell, xs, dhs, weights):
        """``bprop`` on the right forward states, in the form the group's ``fprop`` stores them.

        A wrong ``fprop`` costs 1a alone: where the states it stored are not the
        right ones, the right ones take their place, shaped as the group's own
        (columns or rows, masks as booleans, 0/1, indices or pre-activations,
        marking the kept or the zeroed units).
        """
        import numpy as np

        from .states import right_states, same_states, their_form

        cell.fprop(xs.copy())
        right = right_states(weights, xs)
        notes = {}
        if not same_states(getattr(cell, "hs", None), right["hs"]):
            cell.hs, cell.xs, cell.relu_idx = their_form(cell, right)
            notes["substituted"] = (
                "fprop stored wrong states; bprop ran on the right ones, in fprop's own form"
            )
        cell.clear_stored_derivs()
        dxs = cell.bprop([d.reshape(-1, 1) for d in dhs])
        rows = [np.asarray(d, dtype=np.float64).reshape(-1) for d in dxs]
        grads = {"dW_hh": cell.dW_hh, "dW_hx": cell.dW_hx, "db_h": np.ravel(cell.dbh)}
        return {**grads, "dxs": rows}, notes

    def clip(self, grads, threshold):
        for grad in grads:
            submission("common").clip_gradient(grad, threshold)

    def memory_test(self, net, L, V, delim, blank):
        run = submission("test").run_memory_test
        return _captured(run, net, L, V, 5, delim, blank)

    def identity_cell(self, I, H):
        return submission("BasicRNNCell").BasicRNNCell(I, H).W_hh, None


OWN, COURSE = Own(), Course()
LAYOUTS = {layout.name: layout for layout in (OWN, COURSE)}
