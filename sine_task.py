"""The sine-curve data of Question 2c (torch)."""

import numpy as np
import torch

SEQ_LEN = 130
PERIODS = (20.0, 60.0)


class SineDataset(torch.utils.data.Dataset):
    """Sine curves ``s_k = sin(2 pi k / P + phi)``, k = 0..seq_len-1, for next-step prediction.

    The period P (in steps) is drawn uniformly from ``PERIODS`` and the phase
    phi from [0, 2 pi), once per curve. Item i is ``(x, y)``, each
    ``(seq_len - 1, 1)``: x = s_0..s_{T-2} and y = s_1..s_{T-1}. ``curves``
    holds the curves ``(num_samples, seq_len)``. An index may also be a tensor
    or slice, giving a batch.
    """

    def __init__(self, num_samples, seq_len=SEQ_LEN, seed=None):
        if not isinstance(num_samples, int) or num_samples < 1:
            raise ValueError(f"num_samples must be a positive integer, got {num_samples!r}")
        if not isinstance(seq_len, int) or seq_len < 2:
            raise ValueError(f"seq_len must be an integer >= 2, got {seq_len!r}")
        rng = np.random.default_rng(seed)
        periods = rng.uniform(*PERIODS, size=(num_samples, 1))
        phases = rng.uniform(0, 2 * np.pi, size=(num_samples, 1))
        steps = np.arange(seq_len)
        self.curves = torch.from_numpy(np.sin(2 * np.pi * steps / periods + phases)).float()

    def __len__(self):
        return len(self.curves)

    def __getitem__(self, index):
        curves = self.curves[index].unsqueeze(-1)
        return curves[..., :-1, :], curves[..., 1:, :]
