"""Every way a cell's parameters could hold ``torch.nn.LSTM``'s weights, and moving them.

The grader draws I, H and O so that no two roles share a shape; a parameter's
role (a gate's input matrix, a stacked hidden matrix, a bias, the read-out)
follows from its shape, its gate from its name where the name tells, else
every order of the gates is tried.
"""

import itertools
import re

import torch

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
    with torch.no_grad():
        for name, transposed, source, gates in placement:
            param = params[name]
            if source is None:
                param.zero_()
                continue
            value = _block(ref, source, gates, H)
            param.copy_((value.T if transposed else value).reshape(param.shape))


def gathered(params, placement, I, H, O):
    """The parameters' gradients laid out as torch.nn.LSTM's: ``{Wx, Wh, b, b2, Wy, by}``."""
    ref_shapes = {"Wy": (O, H), "by": (O,)}
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
            out[source] = grad.reshape(ref_shapes[source])
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
