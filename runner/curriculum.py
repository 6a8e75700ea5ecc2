"""Curricula of tasks 1 and 2: training sets that grow harder over the epochs.

``train_loop`` calls ``set_epoch(e)`` (1-based) before each epoch. Both grow
linearly over the first half of the epochs, then stay at the full task.
"""

import torch

from memory_task import CharSequenceDataset


def grown(start, end, epoch, num_epochs):
    """``start`` in epoch 1, growing linearly to ``end`` in epoch num_epochs // 2 + 1."""
    ramp = max(1, num_epochs // 2)
    return round(start + (end - start) * min(1.0, (epoch - 1) / ramp))


class BlankCurriculum(torch.utils.data.Dataset):
    """Copy-task training sets whose blank length grows from 0 to ``blank_separation_len``.

    Epoch e trains on a ``CharSequenceDataset`` of ``num_samples`` sequences
    with ``grown(0, B, e, num_epochs)`` blanks, drawn from ``[seed, blanks]``.
    A cell first learns what to store where the gradient still reaches the
    symbols, then learns to hold it ever longer.
    """

    def __init__(self, num_samples, to_remember_len, blank_separation_len, num_epochs, seed=0):
        self.num_samples, self.to_remember_len = num_samples, to_remember_len
        self.target, self.num_epochs, self.seed = blank_separation_len, num_epochs, seed
        self.current = None
        self.set_epoch(1)

    def set_epoch(self, epoch):
        blanks = grown(0, self.target, epoch, self.num_epochs)
        if self.current is None or self.current.blank_len != blanks:
            self.current = CharSequenceDataset(
                self.num_samples, self.to_remember_len, blanks, seed=[self.seed, blanks]
            )

    def __len__(self):
        return len(self.current)

    def __getitem__(self, index):
        return self.current[index]


class HorizonCurriculum(torch.utils.data.Dataset):
    """Sine curves cut to a length that grows from ``start`` samples to the whole curve.

    dataset: a ``SineDataset`` of curves of T samples, items ``(x, y)`` each
    ``(T - 1, 1)``. Epoch e trains on the first n = ``grown(start, T, e,
    num_epochs)`` samples of every curve, items ``(n - 1, 1)``: trained
    free-running, the model first generates a few steps after the context,
    where its errors are small and the gradient tame, then ever more.
    """

    def __init__(self, dataset, num_epochs, start):
        self.dataset, self.num_epochs, self.start = dataset, num_epochs, start
        self.full = dataset.curves.shape[1]
        self.set_epoch(1)

    def set_epoch(self, epoch):
        self.length = grown(self.start, self.full, epoch, self.num_epochs)

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, index):
        x, y = self.dataset[index]
        return x[..., : self.length - 1, :], y[..., : self.length - 1, :]
