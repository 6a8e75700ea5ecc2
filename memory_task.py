"""The long-memory copy task of Question 2d/e: data, loss and accuracy (torch)."""

import numpy as np
import torch

from copy_task import copy_task_indices

N_SYMBOLS = 8
BLANK = 8
DELIMITER = 9
N_CLASSES = 10


class CharSequenceDataset(torch.utils.data.Dataset):
    """Copy-task sequences: remember L symbols across B blanks, recall them after '#'.

    Item i is ``(x, y)``: x float one-hot ``(T, 10)``, y long class indices
    ``(T,)``, T = 2L + B + 1, with symbols 0..7, blank 8 and delimiter 9:

        x: r_1 .. r_L, B blanks, delimiter, L blanks
        y: L + B + 1 blanks,                r_1 .. r_L

    Built on the generator of the numpy memorization task (``copy_task_indices``).
    An index may also be a tensor or slice of indices, giving a batch.
    """

    def __init__(self, num_samples, to_remember_len, blank_separation_len, seed=None):
        inputs, targets = copy_task_indices(
            num_samples,
            to_remember_len,
            N_CLASSES,
            DELIMITER,
            BLANK,
            blank_separation_len,
            np.random.default_rng(seed),
        )
        self.to_remember_len, self.blank_len = to_remember_len, blank_separation_len
        self.y = torch.from_numpy(targets)
        self.x = torch.nn.functional.one_hot(torch.from_numpy(inputs), N_CLASSES).float()

    def __len__(self):
        return len(self.y)

    def __getitem__(self, index):
        return self.x[index], self.y[index]


def _check_outputs(outputs, ground_truth):
    if outputs.ndim != 3 or ground_truth.shape != outputs.shape[:2]:
        raise ValueError(
            "outputs must have shape (B, T, C) and ground_truth (B, T), got "
            f"{tuple(outputs.shape)} and {tuple(ground_truth.shape)}"
        )
    if ground_truth.dtype != torch.long:
        raise ValueError(f"ground_truth must hold long class indices, got {ground_truth.dtype}")
    n_classes = outputs.shape[2]
    if (
        ground_truth.numel()
        and not 0 <= int(ground_truth.min()) <= int(ground_truth.max()) < n_classes
    ):
        raise ValueError(
            f"ground_truth labels must lie in [0, {n_classes}), got values from "
            f"{int(ground_truth.min())} to {int(ground_truth.max())}"
        )


def memory_task_loss(outputs, ground_truth):
    """Cross-entropy summed over every position of every sequence.

    loss = -sum_{b,t} log softmax(outputs[b, t])[ground_truth[b, t]]

    outputs: class scores ``(B, T, C)``; ground_truth: class indices ``(B, T)``.
    Returns a scalar tensor.
    """
    #####Start Subtask 2d#####
    _check_outputs(outputs, ground_truth)
    log_probs = torch.log_softmax(outputs, dim=2)
    return -log_probs.gather(2, ground_truth.unsqueeze(2)).sum()
    #####End Subtask#####


def memory_task_acc(outputs, ground_truth, to_remember_len):
    """Fraction of correct argmax predictions in the last ``to_remember_len`` positions.

    outputs: ``(B, T, C)``; ground_truth: ``(B, T)``. Averaged over those
    positions and the sequences; returns a float in [0, 1].
    """
    #####Start Subtask 2e#####
    _check_outputs(outputs, ground_truth)
    if not isinstance(to_remember_len, int) or not 1 <= to_remember_len <= outputs.shape[1]:
        raise ValueError(
            f"to_remember_len must be an integer in [1, T={outputs.shape[1]}], "
            f"got {to_remember_len!r}"
        )
    recall = slice(-to_remember_len, None)
    hits = outputs[:, recall].argmax(dim=2) == ground_truth[:, recall]
    return hits.float().mean().item()
    #####End Subtask#####
