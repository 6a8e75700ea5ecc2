"""The course's numpy cell's stored states, right, in the form a group's own ``fprop`` uses.

The course's ``fprop`` appends to three lists that ``bprop`` reads: ``hs``
(h_0 .. h_T), ``xs`` (x_1 .. x_T) and ``relu_idx`` (one ReLU mask per step).
Groups store the mask in many right ways; the first step tells which, since
its pre-activation ``W_hx x_1 + b_h`` (h_0 = 0) is the same whether or not
the group's ``fprop`` applied its ReLU.
"""

import numpy as np


def right_states(weights, xs):
    """``{hs, xs, pre}``: columns h_0..h_T, x_1..x_T and the pre-activations a_1..a_T."""
    h = np.zeros((weights["W_hh"].shape[0], 1))
    hs, columns, pre = [h], [], []
    for x in xs:
        x = x.reshape(-1, 1)
        a = weights["W_hh"] @ h + weights["W_hx"] @ x + weights["b_h"].reshape(-1, 1)
        h = np.maximum(a, 0.0)
        hs, columns, pre = [*hs, h], [*columns, x], [*pre, a]
    return {"hs": hs, "xs": columns, "pre": pre}


def same_states(theirs, hs):
    """Whether the group's stored ``hs`` hold h_0..h_T (or h_1..h_T), in any shape."""
    try:
        theirs = list(theirs)
        if len(theirs) == len(hs) - 1:
            hs = hs[1:]
        return len(theirs) == len(hs) and all(
            np.size(a) == b.size and np.allclose(np.reshape(a, -1), b.reshape(-1), atol=1e-12)
            for a, b in zip(theirs, hs, strict=True)
        )
    except (TypeError, ValueError):
        return False


def _as_bool(stored, H):
    """``(form, units)``: how one stored mask encodes units, and those units as booleans."""
    if isinstance(stored, tuple):  # np.where(...): the indices along each axis
        units = np.zeros(H, dtype=bool)
        units[np.asarray(stored[0], dtype=int)] = True
        return ("where", len(stored)), units
    stored = np.asarray(stored)
    if stored.dtype == bool and stored.size == H:
        return ("bool", stored.shape), stored.reshape(-1)
    if stored.size == H and np.isin(stored, (0, 1)).all():
        return ("0/1", stored.dtype, stored.shape), stored.reshape(-1) != 0
    if stored.dtype.kind in "iu":
        units = np.zeros(H, dtype=bool)
        units[stored.reshape(-1)] = True
        return ("index", stored.dtype), units
    return ("pre", stored.shape), stored.reshape(-1) > 0


def _encode(form, units, pre):
    kind = form[0]
    if kind == "where":
        return np.where(units.reshape(-1, 1)) if form[1] == 2 else np.where(units)
    if kind == "bool":
        return units.reshape(form[1])
    if kind == "0/1":
        return units.astype(form[1]).reshape(form[2])
    if kind == "index":
        return np.flatnonzero(units).astype(form[1])
    return pre.reshape(form[1])


def their_form(cell, right):
    """``(hs, xs, relu_idx)``: the right states shaped as the group's ``fprop`` stored its own."""
    H = right["hs"][0].shape[0]
    stored_hs = list(getattr(cell, "hs", None) or [])
    stored_xs = list(getattr(cell, "xs", None) or [])
    masks = list(getattr(cell, "relu_idx", None) or [])
    h_shape = np.shape(stored_hs[1]) if len(stored_hs) > 1 else (H, 1)
    x_shape = np.shape(stored_xs[0]) if stored_xs else right["xs"][0].shape
    hs = [h.reshape(h_shape) for h in right["hs"]]
    if len(stored_hs) == len(right["hs"]) - 1:
        hs = hs[1:]
    xs = [x.reshape(x_shape) for x in right["xs"]]
    kept = [a.reshape(-1) > 0 for a in right["pre"]]
    if not masks:
        return hs, xs, [k.reshape(H, 1) for k in kept]
    try:
        form, first = _as_bool(masks[0], H)
    except (IndexError, TypeError, ValueError):
        return hs, xs, [k.reshape(H, 1) for k in kept]
    # The first step's units tell whether the group marks the kept or the zeroed ones.
    zeroed = form[0] != "pre" and np.array_equal(first, ~kept[0])
    relu_idx = [
        _encode(form, ~k if zeroed else k, a) for k, a in zip(kept, right["pre"], strict=True)
    ]
    return hs, xs, relu_idx
