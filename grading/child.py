"""The grading kit's side inside the sandbox: runs a submission's code, sends back numbers.

Run by the grader as ``python -I child.py WORKDIR MEMORY_BYTES CPU_SECONDS``,
never imported by it. ``WORKDIR/modules`` holds the submission's modules
beside the given ones. This process lowers its own limits, imports numpy and
torch (before any submission code), then reads one probe label per line of
stdin. For each it forks: the fork imports the submission, runs the probe on
``WORKDIR/probes/LABEL.json`` and ``LABEL.npz`` and writes plain arrays to
``WORKDIR/results/LABEL.npz`` and error messages to ``LABEL.json``. This
process waits for the fork within the probe's time limit, keeps the head and
tail of what it printed, and answers with one JSON line on stdout.

Nothing here judges: the grader compares the numbers with its own references.
"""

import contextlib
import importlib
import json
import os
import resource
import select
import signal
import sys
import time
import traceback

OUTPUT_KEEP = 4000
MODULES = "modules"


def limit(memory_bytes):
    """Cap this process and its forks: address space, file size, no core dumps."""
    for which, value in (
        (resource.RLIMIT_AS, memory_bytes),
        (resource.RLIMIT_FSIZE, 64 << 20),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(which, (value, value))


def describe(err):
    """One line naming an exception and where in the submission it was raised."""
    if isinstance(err, SyntaxError):
        return f"SyntaxError line {err.lineno}: {err.msg}"
    if isinstance(err, MemoryError):
        return "MemoryError (out of memory within the sandbox's limit)"
    where = ""
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if os.sep + MODULES + os.sep in frame.filename:
            where = f" ({os.path.basename(frame.filename)} line {frame.lineno})"
            break
    text = str(err).splitlines()[0] if str(err) else ""
    return f"{type(err).__name__}: {text}{where}" if text else f"{type(err).__name__}{where}"


def submission(name):
    """Import a module of the submission; a failure names the module."""
    try:
        return importlib.import_module(name)
    except BaseException as err:
        raise ImportError(f"{name}.py failed to import: {describe(err)}") from None


# --- the parts: each computes what one or more of the grader's checks compare ----

PARTS = {}


def part(label, name):
    """Register ``f(spec, inputs) -> {key: array}`` as part ``name`` of probe ``label``."""

    def register(f):
        PARTS.setdefault(label, {})[name] = f
        return f

    return register


def _set(obj, name, value):
    """Overwrite the array ``obj.name`` in place with the grader's ``value``."""
    import numpy as np

    current = getattr(obj, name, None)
    if not isinstance(current, np.ndarray) or current.shape != value.shape:
        found = getattr(current, "shape", None if current is None else type(current).__name__)
        raise ValueError(f"expected {name} to be an array of shape {value.shape}, found {found}")
    current[...] = value


def _rnn_cell(spec, inputs):
    cell = submission("BasicRNNCell").BasicRNNCell(spec["I"], spec["H"])
    for name in ("W_hh", "W_hx", "b_h"):
        _set(cell, name, inputs[name])
    return cell


@part("1a", "first")
def rnn_first(spec, inputs):
    return {"hs": _rnn_cell(spec, inputs).fprop(inputs["xs_first"].copy())}


@part("1a", "second")
def rnn_second(spec, inputs):
    cell = _rnn_cell(spec, inputs)
    cell.fprop(inputs["xs_first"].copy())
    return {"hs": cell.fprop(inputs["xs_second"].copy())}


@part("1b", "bptt")
def rnn_bptt(spec, inputs):
    cell = _rnn_cell(spec, inputs)
    cell.fprop(inputs["xs"].copy())
    if hasattr(cell, "clear_stored_derivs"):
        cell.clear_stored_derivs()
    dxs = cell.bprop(inputs["dhs"].copy())
    return {"dW_hh": cell.dW_hh, "dW_hx": cell.dW_hx, "db_h": cell.db_h, "dxs": dxs}


@part("1f", "identity")
def rnn_identity(spec, inputs):
    cls = submission("BasicRNNCell").BasicRNNCell
    try:
        cell = cls(spec["I"], spec["H"], init="identity")
        reading = "init='identity'"
    except TypeError:
        cell = cls(spec["I"], spec["H"])
        reading = "the identity as the only initialization"
    return {"W_hh": cell.W_hh, "reading": reading}


def _clip(case):
    def clip(spec, inputs):
        grads = [inputs[f"{case}_{k}"].copy() for k in range(spec["n_arrays"])]
        submission("common").clip_gradients(grads, spec[f"{case}_threshold"])
        return {str(k): grad for k, grad in enumerate(grads)}

    return clip


part("1d", "above")(_clip("above"))
part("1d", "below")(_clip("below"))


class OracleLayer:
    """A network layer whose accuracy on the memorization task is known in advance.

    It reads c_1..c_L and the delimiter from its input and outputs scores that
    are right exactly at the delimiter and at the recall positions i where
    ``right[i]``, and wrong everywhere else (before the delimiter it says
    "delimiter", at a wrong recall position "blank"; neither is ever the target
    there). Input ``(T, V)`` or ``(B, T, V)``, output the same shape.
    """

    def __init__(self, to_remember_len, delim_idx, blank_idx, right):
        self.L, self.delim, self.blank, self.right = to_remember_len, delim_idx, blank_idx, right

    def fprop(self, xs):
        import numpy as np

        xs = np.asarray(xs)
        idx = xs.argmax(axis=-1).reshape(-1, xs.shape[-2])
        guess = np.full_like(idx, self.delim)
        for row, seq in zip(guess, idx, strict=True):
            p = int(np.argmax(seq == self.delim))
            row[p] = self.blank
            recall = np.where(self.right, seq[: self.L], self.blank)
            row[p + 1 : p + 1 + self.L] = recall[: len(row) - p - 1]
        return 10.0 * np.eye(xs.shape[-1])[guess].reshape(xs.shape)

    def bprop(self, dys):
        raise NotImplementedError("the oracle layer is for testing only")

    def get_params(self):
        return iter(())

    def clear_stored_states(self):
        pass

    def clear_stored_derivs(self):
        pass

    def update_weights(self, learning_rate):
        pass


def _memory_test(case):
    def memory_test(spec, inputs):
        c = spec[case]
        net = [OracleLayer(c["L"], c["delim"], c["blank"], inputs[case].astype(bool))]
        run = submission("common").run_memory_test
        return {"accuracy": float(run(net, c["L"], c["V"], c["delim"], c["blank"]))}

    return memory_test


part("1e", "case_a")(_memory_test("case_a"))
part("1e", "case_b")(_memory_test("case_b"))


def _tensors(inputs):
    import torch

    return {name: torch.from_numpy(value) for name, value in inputs.items()}


@part("2a", "params")
def lstm_params(spec, inputs):
    cls = submission("MyLSTMCell").MyLSTMCell
    found = {}
    for k, (I, H, O) in enumerate(spec["sizes"]):
        for name, param in cls(I, H, O).named_parameters():
            found[f"{k}.{name}"] = param.detach().cpu().double().numpy()
    return found


def _lstm(spec, inputs):
    import torch

    torch.set_default_dtype(torch.float64)
    t = _tensors(inputs)
    model = submission("MyLSTMCell").MyLSTMCell(spec["I"], spec["H"], spec["O"])
    params = dict(model.named_parameters())
    for name in ("weight_ih", "weight_hh", "bias", "readout.weight", "readout.bias"):
        param, value = params.get(name), t[name]
        if param is None or tuple(param.shape) != tuple(value.shape):
            found = None if param is None else tuple(param.shape)
            raise ValueError(
                f"expected a parameter {name} of shape {tuple(value.shape)}, found {found}"
            )
        with torch.no_grad():
            param.copy_(value)
    dtype = model.readout.weight.dtype
    return model, params, {name: value.to(dtype) for name, value in t.items()}


@part("2b", "lstm")
def lstm_forward_backward(spec, inputs):
    model, params, t = _lstm(spec, inputs)
    y = model(t["x"])
    (y * t["g"]).sum().backward()
    found = {"y": y.detach().double().numpy()}
    for name in ("weight_ih", "weight_hh", "bias"):
        if params[name].grad is not None:
            found[f"d{name}"] = params[name].grad.double().numpy()
    return found


@part("2b", "continue")
def lstm_continue(spec, inputs):
    import torch

    model, _, t = _lstm(spec, inputs)
    with torch.no_grad():
        model(t["x"])
        return {"y": model(t["x2"], reset_hidden_state=False).double().numpy()}


def _linear(weight, bias):
    import torch

    model = torch.nn.Linear(weight.shape[1], weight.shape[0], dtype=torch.float64)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    return model


def _train(case):
    def train(spec, inputs):
        import torch

        t = _tensors(inputs)
        model = _linear(t["W0"], t["b0"])
        dataset = torch.utils.data.TensorDataset(t[f"{case}_x"], t[f"{case}_y"])
        submission("loops").train_loop(
            spec["epochs"],
            model,
            lambda params: torch.optim.SGD(params, lr=spec["lr"][case]),
            lambda outputs, targets: ((outputs - targets) ** 2).sum(),
            len(dataset),
            dataset,
        )
        return {"W": model.weight.detach().numpy(), "b": model.bias.detach().numpy()}

    return train


part("2c", "steps")(_train("steps"))
part("2c", "clipped")(_train("clipped"))


@part("2d", "loss")
def copy_loss(spec, inputs):
    import torch

    outputs = torch.from_numpy(inputs["outputs"]).requires_grad_()
    loss = submission("memory_task").memory_task_loss(outputs, torch.from_numpy(inputs["labels"]))
    loss.backward()
    return {"loss": float(loss), "grad": outputs.grad.numpy()}


@part("2e", "accuracy")
def copy_accuracy(spec, inputs):
    t = _tensors(inputs)
    acc = submission("memory_task").memory_task_acc(t["outputs"], t["labels"], spec["L"])
    return {"accuracy": float(acc)}


def _reference_loss(outputs, ground_truth):
    """Cross-entropy summed over positions and sequences, in the submission's stead."""
    import torch

    flat = outputs.reshape(-1, outputs.shape[-1])
    return torch.nn.functional.cross_entropy(flat, ground_truth.reshape(-1), reduction="sum")


def _reference_acc(outputs, ground_truth, to_remember_len):
    """The fraction right in the last ``to_remember_len`` positions, in the submission's stead."""
    hits = outputs[:, -to_remember_len:].argmax(-1) == ground_truth[:, -to_remember_len:]
    return hits.double().mean().item()


@part("2e", "test_loop")
def copy_test_loop(spec, inputs):
    """The loop alone is judged: the grader's loss and accuracy replace the submission's."""
    import torch

    t = _tensors(inputs)
    for module in (submission("memory_task"), submission("loops")):
        for name, stand_in in (
            ("memory_task_loss", _reference_loss),
            ("memory_task_acc", _reference_acc),
        ):
            if hasattr(module, name):
                setattr(module, name, stand_in)
    model = _linear(t["W"], t["b"])
    dataset = torch.utils.data.TensorDataset(t["x"], t["y"])
    loss, accuracy = submission("loops").test_loop_mem_task(
        model, dataset, spec["batch_size"], spec["L"]
    )
    return {"loss": float(loss), "accuracy": float(accuracy)}


# --- running probes -------------------------------------------------------------


def run_probe(workdir, label):
    """In the fork: run every part of one probe; write their arrays and errors."""
    import numpy as np

    with open(os.path.join(workdir, "probes", f"{label}.json")) as f:
        spec = json.load(f)
    with np.load(os.path.join(workdir, "probes", f"{label}.npz"), allow_pickle=False) as data:
        inputs = {name: data[name] for name in data.files}
    arrays, notes = {}, {}
    for name, compute in PARTS[label].items():
        try:
            for key, value in compute(spec, inputs).items():
                if isinstance(value, str):
                    notes[f"{name}.{key}"] = value
                else:
                    arrays[f"{name}.{key}"] = np.array(value, dtype=np.float64)
        except BaseException as err:
            notes[f"{name}.error"] = describe(err)
    results = os.path.join(workdir, "results")
    np.savez(os.path.join(results, f"{label}.npz"), **arrays)
    with open(os.path.join(results, f"{label}.json"), "w") as f:
        json.dump(notes, f)


class Output:
    """What a fork printed: the first and last ``OUTPUT_KEEP`` bytes, and how much was left out."""

    def __init__(self):
        self.head, self.tail, self.dropped = b"", b"", 0

    def add(self, chunk):
        room = OUTPUT_KEEP - len(self.head)
        self.head, chunk = self.head + chunk[:room], chunk[room:]
        joined = self.tail + chunk
        self.dropped += max(0, len(joined) - OUTPUT_KEEP)
        self.tail = joined[-OUTPUT_KEEP:]

    def text(self):
        gap = f"\n[... {self.dropped} bytes left out ...]\n" if self.dropped else ""
        return self.head.decode(errors="replace") + gap + self.tail.decode(errors="replace")


def collect(fd, pid, deadline):
    """Read the fork's output until it exits or the deadline passes.

    Returns ``(wait status, timed out, Output)``. The fork is killed at the
    deadline; whatever it left running is killed with the whole sandbox later.
    """
    output, status, timed_out, reading = Output(), None, False, True
    os.set_blocking(fd, False)
    while status is None:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            timed_out = True
            break
        if reading:
            ready, _, _ = select.select([fd], [], [], min(left, 0.1))
            reading = not ready or drain(fd, output)
        else:
            time.sleep(min(left, 0.02))
        done, wait_status = os.waitpid(pid, os.WNOHANG)
        status = wait_status if done else None
    if reading:
        drain(fd, output)
    return status, timed_out, output


def drain(fd, output, limit=1 << 24):
    """Read what is waiting in the pipe (up to ``limit`` bytes); False at its end."""
    while limit > 0:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        output.add(chunk)
        limit -= len(chunk)
    return True


def serve(workdir, cpu_seconds):
    for line in sys.stdin:
        label, timeout = line.split()
        for old in (f"{label}.npz", f"{label}.json"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(workdir, "results", old))
        started = time.monotonic()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(write, 1)
            os.dup2(write, 2)
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
            code = 0
            try:
                run_probe(workdir, label)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        os.close(write)
        status, timed_out, output = collect(read, pid, started + float(timeout))
        os.close(read)
        answer = {
            "label": label,
            "exit": os.waitstatus_to_exitcode(status),
            "timed_out": timed_out,
            "seconds": time.monotonic() - started,
            "output": output.text(),
        }
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def main():
    workdir, memory, cpu_seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    limit(memory)
    import matplotlib

    matplotlib.use("Agg")
    # What the given modules import, loaded once here instead of in every fork.
    import matplotlib.figure
    import numpy  # noqa: F401
    import torch
    import tqdm.auto  # noqa: F401

    torch.set_num_threads(1)
    sys.path.insert(0, os.path.join(workdir, MODULES))
    os.chdir(os.path.join(workdir, "scratch"))
    serve(workdir, cpu_seconds)


if __name__ == "__main__":
    main()
