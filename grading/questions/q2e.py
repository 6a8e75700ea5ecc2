"""2e, ``memory_task_acc`` and ``test_loop_mem_task``: the copy task's accuracy and test loop.

The accuracy counts the argmax predictions that are right in the last L
positions (or the L + 1 from the delimiter on), as a fraction or in percent.
The test loop is judged alone: the grader's model stands in for the cell,
and functions of the grader's stand in for the group's loss and accuracy,
returning what the group's own would (type, scale, reduction) but right.
Its averages count wherever it prints them, or where it returns them.
"""

import itertools

import numpy as np
import torch

from .base import Check, Probe, find_printed, float32, readings
from .q1e import as_printed, from_printed
from .q2d import C, summed
from .q2d import readings as loss_readings

LABEL = "2e"
BLANK, DELIMITER = 8, 9  # the course's CharSequenceDataset


def copy_task(rng, B, L, S):
    """Labels of ``B`` copy-task sequences ``(B, 2L + S + 1)`` and scores right at random."""
    symbols = rng.integers(8, size=(B, L))
    labels = np.concatenate([np.full((B, L + S + 1), BLANK), symbols], axis=1)
    outputs = rng.standard_normal((B, labels.shape[1], C))
    right = rng.random(labels.shape) < 0.5
    b, t = np.nonzero(right)
    outputs[b, t, labels[b, t]] = outputs[b, t].max(axis=-1) + 1.0
    return float32(outputs), labels


def _percent(values):
    return values | {f"{name}, in percent": 100 * value for name, value in values.items()}


def accuracy_readings(right, L):
    """The accepted readings of an accuracy, and known mistakes, from a ``(B, T)`` hit table."""
    accepted = _percent({
        f"over the last {L} positions": right[:, -L:].mean(),
        f"over the {L + 1} positions from the delimiter on": right[:, -L - 1 :].mean(),
    })  # fmt: skip
    mistakes = _percent({"the accuracy over the whole sequence": right.mean()})
    return accepted, mistakes


def _apart(values, gap=0.01):
    values = sorted(values)
    return all(b - a > gap * max(abs(b), 1) for a, b in itertools.pairwise(values))


def draw(rng, layout):
    L, S = int(rng.integers(4, 6)), int(rng.integers(2, 5))
    while True:
        outputs, labels = copy_task(rng, int(rng.integers(4, 8)), L, S)
        accepted, mistakes = accuracy_readings(outputs.argmax(-1) == labels, L)
        if _apart([*accepted.values(), *mistakes.values()]):
            break
    inputs = {"outputs": outputs, "labels": labels}
    expected = {"accuracy": {"readings": accepted, "mistakes": mistakes}}
    N, batch_size = 23, 5
    while True:
        x_labels, y = copy_task(rng, N, L, S)[1], None
        W, b = float32(rng.standard_normal((C, C))), float32(rng.standard_normal(C))
        scores = np.eye(C)[x_labels] @ W.T + b
        y = x_labels.copy()
        hit = rng.random(y.shape) < 0.5  # right about half the time, in every batch
        y[hit] = scores.argmax(-1)[hit]
        y[~hit] = (scores.argmax(-1)[~hit] + 1 + rng.integers(C - 1, size=(~hit).sum())) % C
        if 0.2 < hit[:, -L:].mean() < 0.8:
            break
    form_outputs, form_labels = copy_task(rng, 3, L, 11 - 2 * L - 1)
    inputs |= {"x": x_labels, "y": y, "W": W, "b": b}
    inputs |= {"form_outputs": form_outputs, "form_labels": form_labels}
    expected["test_loop"] = {"scores": scores, "y": y}
    return Probe({"L": L, "batch_size": batch_size}, inputs, expected)


def accuracy(layout, spec, inputs):
    from .base import submission

    t = {k: torch.from_numpy(inputs[k]) for k in ("outputs", "labels")}
    return {
        "accuracy": float(
            submission("memory_task").memory_task_acc(t["outputs"].float(), t["labels"], spec["L"])
        )
    }


# --- the test loop: the grader's functions in the group's form -----------------------


DEFAULT_LOSS = (False, True, True)  # torch's cross_entropy: the mean over every position
DEFAULT_ACC = (False, False)  # a fraction over the last L positions


def loss_form(value, outputs, labels, L):
    """``(last L?, by the sequences?, by the positions?)`` of a loss's value, or None."""
    from .q2d import summed

    for name, (window, divisor) in loss_readings(labels.shape, L).items():
        reference = summed(outputs, labels, window)[0] / divisor
        if abs(value - reference) <= 1e-4 * abs(reference):
            return (window.start is not None, "sequences" in name, "positions" in name)
    return None


def acc_form(value, outputs, labels, L):
    """``(from the delimiter on?, in percent?)`` of an accuracy's value, or None."""
    right = outputs.argmax(-1) == labels
    for delimiter in (False, True):
        fraction = right[:, -L - delimiter :].mean()
        for percent in (False, True):
            if abs(value - fraction * (100 if percent else 1)) <= 1e-5 * max(value, 1):
                return (delimiter, percent)
    return None


def group_forms(memory_task, outputs, labels, L):
    """``{"loss": (form, tensor?), "acc": (form, tensor?)}`` of the group's own functions.

    A form is None where the group's function gives no accepted reading.
    """
    from .q2d import takes_three

    o, y = torch.from_numpy(outputs), torch.from_numpy(labels)
    forms = {"loss": (None, True), "acc": (None, True)}
    try:
        function = memory_task.memory_task_loss
        value = function(o, y, *((L,) if takes_three(function) else ()))
        forms["loss"] = (loss_form(float(value), outputs, labels, L), torch.is_tensor(value))
    except Exception:
        pass
    try:
        value = memory_task.memory_task_acc(o, y, L)
        forms["acc"] = (acc_form(float(value), outputs, labels, L), torch.is_tensor(value))
    except Exception:
        pass
    return forms


def stand_ins(loss, acc, L, tensors):
    """The grader's loss and accuracy in the forms ``loss`` and ``acc``, as tensors or floats."""
    last, by_sequences, by_positions = loss
    delimiter, percent = acc

    def memory_task_loss(outputs, ground_truth, *rest):
        window = slice(-L, None) if last else slice(None)
        scores, labels = outputs[:, window], ground_truth[:, window]
        flat = scores.reshape(-1, scores.shape[-1]).float()
        value = torch.nn.functional.cross_entropy(flat, labels.reshape(-1), reduction="sum")
        value = value / (scores.shape[0] if by_sequences else 1)
        value = value / (scores.shape[1] if by_positions else 1)
        return value if tensors[0] else value.item()

    def memory_task_acc(outputs, ground_truth, *rest):
        window = slice(-L - 1 if delimiter else -L, None)
        hits = outputs[:, window].argmax(-1) == ground_truth[:, window]
        value = hits.float().mean() * (100 if percent else 1)
        return value if tensors[1] else value.item()

    return {"memory_task_loss": memory_task_loss, "memory_task_acc": memory_task_acc}


class Model(torch.nn.Module):
    """The grader's model for the loop: a linear map of the one-hot input, any input dtype."""

    def __init__(self, W, b):
        super().__init__()
        self.linear = torch.nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            self.linear.weight.copy_(torch.from_numpy(W))
            self.linear.bias.copy_(torch.from_numpy(b))

    def forward(self, x, reset_hidden_state=True):
        return self.linear(x.to(self.linear.weight.dtype))


def test_loop(layout, spec, inputs):
    """The group's loop on the grader's model, the grader's loss and accuracy in its form."""
    from .base import submission

    L = spec["L"]
    memory_task, loops = submission("memory_task"), submission("loops")
    forms = group_forms(memory_task, inputs["form_outputs"], inputs["form_labels"], L)
    (loss, loss_tensor), (acc, acc_tensor) = forms["loss"], forms["acc"]
    notes = {}
    if loss is None:
        notes["loss_stood_in"] = "memory_task_loss gives no accepted reading: torch's mean stood in"
    if acc is None:
        notes["acc_stood_in"] = "memory_task_acc gives no accepted reading: a fraction stood in"
    loss, acc = loss or DEFAULT_LOSS, acc or DEFAULT_ACC
    for name, function in stand_ins(loss, acc, L, (loss_tensor, acc_tensor)).items():
        for module in (memory_task, loops):
            if hasattr(module, name):
                setattr(module, name, function)
    x = torch.nn.functional.one_hot(torch.from_numpy(inputs["x"]), C)
    dataset = torch.utils.data.TensorDataset(x, torch.from_numpy(inputs["y"]))
    model = Model(inputs["W"], inputs["b"])
    returned, printed = layout.test_loop(model, dataset, spec["batch_size"], L)
    found = {"loss_form": np.array(loss, float), "acc_form": np.array(acc, float)}
    found["printed"] = as_printed(printed)
    if isinstance(returned, tuple | list) and len(returned) == 2:
        found["returned"] = np.array([float(v) for v in returned])
    return {**found, **notes}


PARTS = {"accuracy": accuracy, "test_loop": test_loop}


def judge_accuracy(check, probe, answer):
    """``memory_task_acc`` against a direct count, in every reading."""
    expected = probe.expected["accuracy"]
    found = answer.found.get("accuracy")
    return readings(found, expected["readings"], "the accuracy", expected["mistakes"], 1e-5)


def batch_values(scores, y, loss, acc, L, batch_size):
    """Each batch's loss and accuracy in the given forms, and its size."""
    last, by_sequences, by_positions = loss
    delimiter, percent = acc
    rows = []
    for start in range(0, len(y), batch_size):
        s, t = scores[start : start + batch_size], y[start : start + batch_size]
        window = slice(-L, None) if last else slice(None)
        value = summed(s, t, window)[0]
        value /= (len(t) if by_sequences else 1) * (s[:, window].shape[1] if by_positions else 1)
        right = s.argmax(-1)[:, -L - delimiter :] == t[:, -L - delimiter :]
        rows.append((value, right.mean() * (100 if percent else 1), len(t)))
    return np.array(rows)


def averages(values, sizes, summed_over_batch=False):
    """The accepted averages of per-batch values, and known mistakes."""
    accepted = {
        "the mean over batches": values.mean(),
        "the mean over batches weighted by their size": (values * sizes).sum() / sizes.sum(),
    }
    if summed_over_batch:
        accepted["the total divided by the number of sequences"] = values.sum() / sizes.sum()
    mistakes = {"the sum over batches, not their mean": values.sum()}
    return accepted, mistakes


def judge_test_loop(check, probe, answer):
    """The loop's averages, returned or printed anywhere, against every accepted average."""
    found, expected, spec = answer.found, probe.expected["test_loop"], probe.spec
    loss = tuple(bool(v) for v in found.get("loss_form", DEFAULT_LOSS))
    acc = tuple(bool(v) for v in found.get("acc_form", DEFAULT_ACC))
    if len(loss) != 3 or len(acc) != 2:
        return False, "the loop did not run"
    rows = batch_values(expected["scores"], expected["y"], loss, acc, spec["L"], spec["batch_size"])
    # A loss that stood in for one with no reading leaves the loop's own division open.
    open_division = not loss[1] or answer.note("test_loop", "loss_stood_in")
    loss_ok, loss_bad = averages(rows[:, 0], rows[:, 2], summed_over_batch=open_division)
    acc_ok, acc_bad = averages(rows[:, 1], rows[:, 2])
    if "returned" in found:
        returned = found["returned"]
        ok_loss, loss_line = readings(returned[0], loss_ok, "the loss", loss_bad, 1e-4)
        ok_acc, acc_line = readings(returned[1], acc_ok, "the accuracy", acc_bad, 1e-4)
        return ok_loss and ok_acc, f"returned: {loss_line}; {acc_line}"
    numbers = from_printed(found.get("printed", ()))
    lines = []
    hit_loss = find_printed(numbers, loss_ok)
    hit_acc = find_printed(numbers, acc_ok, taken=[hit_loss[1]] if hit_loss else [])
    for what, hit, ok, bad in (("loss", hit_loss, loss_ok, loss_bad),
                               ("accuracy", hit_acc, acc_ok, acc_bad)):  # fmt: skip
        if hit:
            lines.append(f"the {what} printed as {hit[1].value:g} is {hit[0]}")
        elif mistake := find_printed(numbers, bad):
            lines.append(f"the {what} printed as {mistake[1].value:g} is {mistake[0]}")
        else:
            shown = ", ".join(f"{v:.4g}" for v in ok.values())
            lines.append(f"no printed number is the average {what} ({shown})")
    return bool(hit_loss and hit_acc), "; ".join(lines)


CHECKS = [
    Check(LABEL, "accuracy", 0.5, "accuracy", "the accuracy against a direct count",
          judge_accuracy),
    Check(LABEL, "test_loop", 0.5, "test_loop", "loss and accuracy of the whole test set",
          judge_test_loop),
]  # fmt: skip
