"""The copy task's sequences, shared by the numpy memorization task and the torch copy task.

The memorization task of Question 1 is the copy task of Question 2 with no
blanks between the symbols and the delimiter: one generator serves both.
"""

import numbers

import numpy as np


def copy_task_length(to_remember_len, blank_len=0):
    """T = 2L + blank_len + 1: the symbols, the blanks, the delimiter, the recall."""
    return 2 * to_remember_len + blank_len + 1


def _check_copy_task(to_remember_len, blank_len, n_vocab, delim_idx, blank_idx):
    for name, value, least in (
        ("to_remember_len", to_remember_len, 1),
        ("blank_len", blank_len, 0),
        ("n_vocab", n_vocab, 3),
    ):
        if not isinstance(value, numbers.Integral) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    for name, value in (("delim_idx", delim_idx), ("blank_idx", blank_idx)):
        if not isinstance(value, numbers.Integral) or not 0 <= value < n_vocab:
            raise ValueError(f"{name} must be an integer in [0, {n_vocab}), got {value!r}")
    if delim_idx == blank_idx:
        raise ValueError(f"delim_idx and blank_idx must differ, both are {delim_idx}")


def copy_task_indices(
    n_sequences, to_remember_len, n_vocab, delim_idx, blank_idx, blank_len=0, rng=None
):
    """Class indices of the copy task: ``(inputs, targets)``, each ``(n_sequences, T)``.

    With L = to_remember_len and T = ``copy_task_length(L, blank_len)``:

        inputs:  c_1 .. c_L, blank_len blanks, delimiter, L blanks
        targets: L + blank_len + 1 blanks,                c_1 .. c_L

    The symbols c_i are drawn uniformly from the vocabulary without the
    delimiter and the blank.
    """
    _check_copy_task(to_remember_len, blank_len, n_vocab, delim_idx, blank_idx)
    if not isinstance(n_sequences, numbers.Integral) or n_sequences < 1:
        raise ValueError(f"n_sequences must be a positive integer, got {n_sequences!r}")
    rng = np.random.default_rng() if rng is None else rng
    symbols = np.setdiff1d(np.arange(n_vocab), [delim_idx, blank_idx])
    L = to_remember_len
    recall = L + blank_len + 1
    chars = symbols[rng.integers(len(symbols), size=(n_sequences, L))]
    inputs = np.full((n_sequences, copy_task_length(L, blank_len)), blank_idx)
    targets = inputs.copy()
    inputs[:, :L] = chars
    inputs[:, recall - 1] = delim_idx
    targets[:, recall:] = chars
    return inputs, targets
