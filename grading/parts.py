"""The exercise's side of the sandbox: what each probe computes from a submission's code.

``run_probe`` runs in the fork that ``child.py`` makes for one probe: it reads
``WORKDIR/probes/LABEL.json`` and ``LABEL.npz``, imports the submission's
modules, calls every part registered for the probe's label and the
submission's layout (``own`` or ``course``), and writes plain arrays to
``RESULTS/LABEL.npz`` and strings (readings, errors) to ``LABEL.json``.

Nothing here judges: the grader compares the numbers with its own references.
"""

import contextlib
import importlib
import io
import json
import os
import re
import sys
import traceback

MODULES = "modules"


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


PARTS = {}
BOTH = ("own", "course")


def part(label, name, interfaces=BOTH):
    """Register ``f(spec, inputs) -> {key: value}`` as part ``name`` of probe ``label``.

    interfaces: the layouts (``own``, ``course``) whose submissions it runs on.
    """

    def register(f):
        for interface in interfaces:
            PARTS.setdefault((interface, label), {})[name] = f
        return f

    return register


def _set(obj, name, value):
    """Overwrite the array ``obj.name`` in place with the grader's ``value`` (any layout of it)."""
    import numpy as np

    current = getattr(obj, name, None)
    if not isinstance(current, np.ndarray) or current.size != value.size:
        found = getattr(current, "shape", None if current is None else type(current).__name__)
        raise ValueError(f"expected {name} to be an array of {value.size} entries, found {found}")
    current[...] = value.reshape(current.shape)


def _rnn_cell(spec, inputs):
    cell = submission("BasicRNNCell").BasicRNNCell(spec["I"], spec["H"])
    bias = "b_h" if spec["interface"] == "own" else "bh"
    for name, given in (("W_hh", "W_hh"), ("W_hx", "W_hx"), (bias, "b_h")):
        _set(cell, name, inputs[given])
    return cell


def _rows(value, T):
    """A sequence's states ``(T, n)`` from what ``fprop`` returned (squeezed, columns, a list)."""
    import numpy as np

    value = np.asarray(value, dtype=np.float64)
    return value.reshape(T, -1) if value.size and value.size % T == 0 else value


@part("1a", "first")
def rnn_first(spec, inputs):
    xs = inputs["xs_first"]
    return {"hs": _rows(_rnn_cell(spec, inputs).fprop(xs.copy()), len(xs))}


@part("1a", "second")
def rnn_second(spec, inputs):
    cell = _rnn_cell(spec, inputs)
    cell.fprop(inputs["xs_first"].copy())
    if spec["interface"] == "course":  # the course's given code clears between sequences
        cell.clear_stored_states()
    xs = inputs["xs_second"]
    return {"hs": _rows(cell.fprop(xs.copy()), len(xs))}


@part("1b", "bptt", ("own",))
def rnn_bptt(spec, inputs):
    cell = _rnn_cell(spec, inputs)
    cell.fprop(inputs["xs"].copy())
    if hasattr(cell, "clear_stored_derivs"):
        cell.clear_stored_derivs()
    dxs = cell.bprop(inputs["dhs"].copy())
    return {"dW_hh": cell.dW_hh, "dW_hx": cell.dW_hx, "db_h": cell.db_h, "dxs": dxs}


def _forward_states(inputs):
    """The right states of the course's cell for ``xs``: columns h_0..h_T, x_t and the masks."""
    import numpy as np

    h = np.zeros((inputs["W_hh"].shape[0], 1))
    hs, xs, masks = [h], [], []
    for x in inputs["xs"]:
        x = x.reshape(-1, 1)
        a = inputs["W_hh"] @ h + inputs["W_hx"] @ x + inputs["b_h"].reshape(-1, 1)
        h = np.maximum(a, 0.0)
        hs, xs, masks = [*hs, h], [*xs, x], [*masks, a > 0]
    return hs, xs, masks


def _like(theirs, their_h, mask):
    """``mask`` (True where h > 0) in the form the submission's own fprop stored its masks."""
    import numpy as np

    positive = their_h.reshape(-1) > 0
    if isinstance(theirs, tuple):  # np.where's indices
        off = np.nonzero(~positive.reshape(their_h.shape))[0]
        flip = len(theirs) > 0 and np.array_equal(theirs[0], off)
        return np.nonzero(~mask if flip else mask)
    theirs = np.asarray(theirs)
    flip = theirs.size == positive.size and np.array_equal(theirs.reshape(-1) != 0, ~positive)
    return (~mask if flip else mask).astype(theirs.dtype).reshape(theirs.shape)


@part("1b", "bptt", ("course",))
def rnn_bptt_course(spec, inputs):
    """``bprop`` from the right forward states, put in the submission's own form of them."""
    import numpy as np

    cell = _rnn_cell(spec, inputs)
    cell.fprop(inputs["xs"].copy())
    hs, xs, masks = _forward_states(inputs)
    theirs = getattr(cell, "hs", [])
    right = len(theirs) == len(hs) and all(
        np.shape(a) == b.shape and np.allclose(a, b, rtol=1e-12, atol=1e-12)
        for a, b in zip(theirs, hs, strict=True)
    )
    if not right:
        stored = list(getattr(cell, "relu_idx", []) or [])
        their_h = np.asarray(theirs[1]) if len(theirs) > 1 else hs[1]
        cell.hs, cell.xs = hs, xs
        cell.relu_idx = [_like(stored[0], their_h, m) for m in masks] if stored else masks
    cell.clear_stored_derivs()
    dxs = cell.bprop([d.reshape(-1, 1) for d in inputs["dhs"]])
    rows = [np.asarray(d, dtype=np.float64).reshape(-1) for d in dxs]
    return {"dW_hh": cell.dW_hh, "dW_hx": cell.dW_hx, "db_h": cell.dbh.reshape(-1), "dxs": rows}


@part("1f", "identity")
def rnn_identity(spec, inputs):
    cls = submission("BasicRNNCell").BasicRNNCell
    if spec["interface"] == "course":
        return {"W_hh": cls(spec["I"], spec["H"]).W_hh}
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
        if spec["interface"] == "own":
            submission("common").clip_gradients(grads, spec[f"{case}_threshold"])
        else:
            for grad in grads:
                submission("common").clip_gradient(grad, spec[f"{case}_threshold"])
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

    def update_weights(self, *args, **kwargs):
        pass


def printed_number(text, word):
    """The last number on the last printed line that names ``word`` (``loss``, ``acc``)."""
    for line in reversed(text.splitlines()):
        if word in line.lower():
            numbers = re.findall(r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?", line.split(":")[-1])
            if numbers:
                return float(numbers[-1])
    raise ValueError(f"no printed line names the {word}")


def _memory_test(case):
    def memory_test(spec, inputs):
        c = spec[case]
        net = [OracleLayer(c["L"], c["delim"], c["blank"], inputs[case].astype(bool))]
        if spec["interface"] == "own":
            run = submission("common").run_memory_test
            return {"accuracy": float(run(net, c["L"], c["V"], c["delim"], c["blank"]))}
        run = submission("test").run_memory_test
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            run(net, c["L"], c["V"], 5, c["delim"], c["blank"])
        return {"accuracy": printed_number(printed.getvalue(), "acc"), "reading": "as printed"}

    return memory_test


part("1e", "case_a")(_memory_test("case_a"))
part("1e", "case_b")(_memory_test("case_b"))


def _tensors(inputs):
    import torch

    return {name: torch.from_numpy(value) for name, value in inputs.items()}


def _new_lstm(I, H, O):
    return submission("MyLSTMCell").MyLSTMCell(I, H, O, "cpu")


@part("2a", "params")
def lstm_params(spec, inputs):
    """How many trainable entries the cell holds, and how many of its matrices are constant."""
    import torch

    torch.set_default_dtype(torch.float64)
    found = {}
    for k, (I, H, O) in enumerate(spec["sizes"]):
        params = [p for p in _new_lstm(I, H, O).parameters() if p.requires_grad]
        found[f"{k}.entries"] = sum(p.numel() for p in params)
        found[f"{k}.constant"] = sum(p.dim() >= 2 and bool(p.min() == p.max()) for p in params)
        found[f"{k}.finite"] = all(bool(torch.isfinite(p).all()) for p in params)
    return found


GATES = "ifgo"  # torch.nn.LSTM's order of the gates
LAYOUT_LIMIT = 200  # layouts tried: 24 gate orders, two sides, two ways to pair two biases
GATE_NAMES = {"i": 0, "input": 0, "f": 1, "forget": 1, "g": 2, "c": 2, "z": 2, "cell": 2,
              "candidate": 2, "o": 3, "output": 3, "out": 3}  # fmt: skip


def _gate_of(name):
    """The gate a parameter's name points to (``W_f``, ``bias_forget``, ``W_hi``), or None."""
    tokens = [t for t in re.split(r"[^a-z]+", name.lower()) if t]
    for token in reversed(tokens):
        if token in GATE_NAMES:
            return GATE_NAMES[token]
    return GATE_NAMES.get(tokens[-1][-1]) if tokens else None


def _roles(params, I, H, O):
    """The cell's parameters by role: ``{role: [(name, transposed)]}`` in declaration order.

    The grader draws I, H and O so that no two roles share a shape.
    """
    shapes = {
        (H, I + H): "xh", (H, I): "x", (H, H): "h", (4 * H, I + H): "stack_xh",
        (4 * H, I): "stack_x", (4 * H, H): "stack_h", (O, H): "Wy",
    }  # fmt: skip
    vectors = {H: "b", 4 * H: "stack_b", O: "by"}
    roles = {}
    for name, p in params:
        shape = tuple(p.shape)
        if shape in shapes:
            roles.setdefault(shapes[shape], []).append((name, False))
        elif shape[::-1] in shapes and len(shape) == 2:
            roles.setdefault(shapes[shape[::-1]], []).append((name, True))
        elif p.numel() in vectors and max(shape, default=1) == p.numel():
            roles.setdefault(vectors[p.numel()], []).append((name, False))
    return roles


def _named_order(members):
    """The gates of four parameters as their names tell, if they name all four."""
    gates = tuple(_gate_of(name) for name, _ in members)
    return gates if sorted(g for g in gates if g is not None) == [0, 1, 2, 3] else None


def lstm_layouts(params, I, H, O):
    """Every way the cell's parameters could hold torch.nn.LSTM's weights.

    Yields ``(description, placement)``. A placement lists ``(parameter name,
    transposed, source, gates)``: the parameter holds ``source`` (``Wx``,
    ``Wh``, ``b``, ``Wy``, ``by``; ``Wxh`` and ``Whx`` are the input and hidden
    matrices side by side) for one gate, or for several stacked (a tuple), or
    zeros (source None: the second bias of a gate).
    """
    import itertools

    roles = _roles(params, I, H, O)
    n = {role: len(v) for role, v in roles.items()}
    if n.get("Wy") != 1 or n.get("by") != 1:
        return
    readout = [(*roles["Wy"][0], "Wy", None), (*roles["by"][0], "by", None)]
    per_gate = roles.get("xh") or roles.get("x") or []
    named = _named_order(per_gate) if len(per_gate) == 4 else None
    orders = [named] if named else []
    orders += [o for o in itertools.permutations(range(4)) if o != named]
    for order in orders:
        for what, weights in _weights(roles, n, order):
            for biases in _biases(roles, n, order):
                gates = "".join(GATES[g] for g in order)
                yield f"{what}, gates in the order {gates}", weights + biases + readout


def _weights(roles, n, order):
    if n.get("xh") == 4:
        for source, side in (("Wxh", "[x; h]"), ("Whx", "[h; x]")):
            yield (
                f"one matrix per gate on {side}",
                [(*roles["xh"][j], source, order[j]) for j in range(4)],
            )
    elif n.get("x") == 4 and n.get("h") == 4:
        yield (
            "an input and a hidden matrix per gate",
            [
                (*roles[role][j], source, order[j])
                for role, source in (("x", "Wx"), ("h", "Wh"))
                for j in range(4)
            ],
        )
    elif n.get("stack_xh") == 1:
        for source, side in (("Wxh", "[x; h]"), ("Whx", "[h; x]")):
            yield f"one stacked matrix on {side}", [(*roles["stack_xh"][0], source, order)]
    elif n.get("stack_x") == 1 and n.get("stack_h") == 1:
        yield (
            "stacked input and hidden matrices",
            [
                (*roles["stack_x"][0], "Wx", order),
                (*roles["stack_h"][0], "Wh", order),
            ],
        )


def _biases(roles, n, order):
    b, stacked = roles.get("b", []), roles.get("stack_b", [])
    if n.get("b") == 4 and not stacked:
        yield [(*b[j], "b", order[j]) for j in range(4)]
    elif n.get("b") == 8 and not stacked:  # two per gate: one holds the bias, one zeros
        for pairs in ([(j, j + 4) for j in range(4)], [(2 * j, 2 * j + 1) for j in range(4)]):
            yield [(*b[first], "b", order[j]) for j, (first, _) in enumerate(pairs)] + [
                (*b[second], None, order[j]) for j, (_, second) in enumerate(pairs)
            ]
    elif n.get("stack_b") in (1, 2) and not b:
        yield [(*stacked[0], "b", order)] + [(*s, None, order) for s in stacked[1:]]


def _block(ref, source, gates, H):
    """What a parameter holds: ``source``'s rows of ``gates`` (one gate or a stacked tuple)."""
    import torch

    if source in ("Wy", "by"):
        return ref[source]
    if isinstance(gates, tuple):
        return torch.cat([_block(ref, source, g, H) for g in gates])
    if source == "Wxh":
        return torch.cat([_block(ref, "Wx", gates, H), _block(ref, "Wh", gates, H)], 1)
    if source == "Whx":
        return torch.cat([_block(ref, "Wh", gates, H), _block(ref, "Wx", gates, H)], 1)
    return ref[source][gates * H : (gates + 1) * H]


def place(params, placement, ref, H):
    """Load the reference weights into the cell's parameters as ``placement`` lays them out."""
    import torch

    with torch.no_grad():
        for name, transposed, source, gates in placement:
            param = params[name]
            if source is None:
                param.zero_()
                continue
            value = _block(ref, source, gates, H)
            param.copy_((value.T if transposed else value).reshape(param.shape))


def gathered(params, placement, I, H):
    """The parameters' gradients laid out as torch.nn.LSTM's: ``{Wx, Wh, b, b2, Wy, by}``."""
    import torch

    out = {}

    def put(source, gates, grad):
        if isinstance(gates, tuple):
            for k, g in enumerate(gates):
                put(source, g, grad[k * H : (k + 1) * H])
        elif source in ("Wxh", "Whx"):
            first, second = ("Wx", "Wh") if source == "Wxh" else ("Wh", "Wx")
            cut = I if source == "Wxh" else H
            put(first, gates, grad[:, :cut])
            put(second, gates, grad[:, cut:])
        elif source in ("Wy", "by"):
            out[source] = grad
        else:
            rows = {"Wx": I, "Wh": H}.get(source)
            target = out.setdefault(source, torch.zeros((4 * H, rows) if rows else (4 * H,)))
            target[gates * H : (gates + 1) * H] = grad.reshape(target[:H].shape)

    for name, transposed, source, gates in placement:
        grad = params[name].grad
        grad = torch.zeros_like(params[name]) if grad is None else grad.detach()
        grad = grad.T if transposed else grad
        if source not in ("Wy", "by"):
            grad = grad.reshape(_block_shape(source, gates, I, H))
        put("b2" if source is None else source, gates, grad)
    return out


def _block_shape(source, gates, I, H):
    rows = 4 * H if isinstance(gates, tuple) else H
    columns = {"Wx": I, "Wh": H, "Wxh": I + H, "Whx": I + H}.get(source)
    return (rows, columns) if columns else (rows,)


def _outputs(y, B, T, O):
    """The cell's outputs as ``(B, T, O)`` (the course's cells squeeze them)."""
    return y.reshape(B, T, O) if y.numel() == B * T * O else y


@part("2b", "lstm")
def lstm_every_layout(spec, inputs):
    """Outputs, gradients and continuation for every layout the parameters could have."""
    import torch

    torch.set_default_dtype(torch.float64)
    I, H, O = spec["I"], spec["H"], spec["O"]
    t = _tensors(inputs)
    model = _new_lstm(I, H, O)
    params = dict(model.named_parameters())
    ref = {k: t[k] for k in ("Wx", "Wh", "b", "Wy", "by")}
    found = {}
    layouts = list(lstm_layouts(list(params.items()), I, H, O))
    found["layouts"] = " | ".join(f"{name} {tuple(p.shape)}" for name, p in params.items())
    for k, (description, placement) in enumerate(layouts[:LAYOUT_LIMIT]):
        place(params, placement, ref, H)
        dtype = next(iter(params.values())).dtype
        x, g, x2 = (t[n].to(dtype) for n in ("x", "g", "x2"))
        model.zero_grad()
        y = _outputs(model(x), *x.shape[:2], O)
        (y * g).sum().backward()
        with torch.no_grad():
            model(x)
            y2 = _outputs(model(x2, reset_hidden_state=False), *x2.shape[:2], O)
        found[f"{k}.name"] = description
        found[f"{k}.y"] = y.detach()
        found[f"{k}.y2"] = y2
        for key, grad in gathered(params, placement, I, H).items():
            found[f"{k}.d{key}"] = grad
    return found


def _linear(weight, bias):
    """A linear model that takes the cells' ``reset_hidden_state`` argument too."""
    import torch

    class Linear(torch.nn.Linear):
        def forward(self, x, reset_hidden_state=True):
            return super().forward(x)

    model = Linear(weight.shape[1], weight.shape[0], dtype=torch.float64)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    return model


class PlainSGD:
    """``torch.optim.SGD(params, lr)``'s update, ``p -= lr * p.grad``, without ``torch.optim``.

    A first ``torch.optim`` step imports torch's compiler: a second and a half of
    CPU in every sandbox, for a probe that needs none of it.
    """

    def __init__(self, params, lr):
        self.param_groups = [{"params": list(params), "lr": lr}]

    def zero_grad(self, set_to_none=True):
        for p in self.param_groups[0]["params"]:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    def step(self, closure=None):
        import torch

        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=-group["lr"])
        return loss


def _train(case):
    def train(spec, inputs):
        import torch

        t = _tensors(inputs)
        model = _linear(t["W0"], t["b0"])
        dataset = torch.utils.data.TensorDataset(t[f"{case}_x"], t[f"{case}_y"])
        submission("loops").train_loop(
            spec["epochs"],
            model,
            lambda params: PlainSGD(params, spec["lr"][case]),
            lambda outputs, targets: ((outputs - targets) ** 2).sum(),
            len(dataset),
            dataset,
        )
        return {"W": model.weight.detach().numpy(), "b": model.bias.detach().numpy()}

    return train


part("2c", "steps")(_train("steps"))
part("2c", "clipped")(_train("clipped"))


def _takes_three(function):
    """Whether ``function`` needs a third argument (the course solution's ``to_remember_len``)."""
    import inspect

    try:
        needed = [
            p
            for p in inspect.signature(function).parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return False
    return len(needed) >= 3


@part("2d", "loss")
def copy_loss(spec, inputs):
    import torch

    outputs = torch.from_numpy(inputs["outputs"]).requires_grad_()
    labels = torch.from_numpy(inputs["labels"])
    loss_func = submission("memory_task").memory_task_loss
    extra = (spec["L"],) if _takes_three(loss_func) else ()
    loss = loss_func(outputs, labels, *extra)
    loss.backward()
    return {"loss": float(loss), "grad": outputs.grad.numpy()}


@part("2e", "accuracy")
def copy_accuracy(spec, inputs):
    t = _tensors(inputs)
    acc = submission("memory_task").memory_task_acc(t["outputs"], t["labels"], spec["L"])
    return {"accuracy": float(acc)}


def _reference_loss(outputs, ground_truth, *to_remember_len):
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
    """The loop alone is judged: the grader's loss and accuracy replace the submission's.

    What it returns is read, or else what it prints (the course's loop prints
    its averages and returns nothing).
    """
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
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        returned = submission("loops").test_loop_mem_task(
            model, dataset, spec["batch_size"], spec["L"]
        )
    sys.stdout.write(printed.getvalue())
    if returned is not None:
        loss, accuracy = returned
        return {"loss": float(loss), "accuracy": float(accuracy)}
    text = printed.getvalue()
    loss, accuracy = printed_number(text, "loss"), printed_number(text, "acc")
    return {"loss": loss, "accuracy": accuracy, "reading": "as printed"}


def run_probe(workdir, results, label):
    """In the fork: run every part of one probe; write their arrays and errors to ``results``."""
    import numpy as np

    with open(os.path.join(workdir, "probes", f"{label}.json")) as f:
        spec = json.load(f)
    with np.load(os.path.join(workdir, "probes", f"{label}.npz"), allow_pickle=False) as data:
        inputs = {name: data[name] for name in data.files}
    sys.path.insert(0, os.path.join(workdir, MODULES, spec["path"]))
    arrays, notes = {}, {}
    for name, compute in PARTS[spec["interface"], label].items():
        try:
            for key, value in compute(spec, inputs).items():
                if isinstance(value, str):
                    notes[f"{name}.{key}"] = value
                else:
                    if hasattr(value, "detach"):  # a torch tensor
                        value = value.detach().cpu().double().numpy()
                    arrays[f"{name}.{key}"] = np.array(value, dtype=np.float64)
        except BaseException as err:
            notes[f"{name}.error"] = describe(err)
    np.savez(os.path.join(results, f"{label}.npz"), **arrays)
    with open(os.path.join(results, f"{label}.json"), "w") as f:
        json.dump(notes, f)
