"""The sine-curve data of Question 2c (torch)."""

import math

import numpy as np
import torch

SEQ_LEN = 130
PERIODS = (20.0, 60.0)


class SineDataset(torch.utils.data.Dataset):
    """Sine curves ``s_k = sin(2 pi k / P + phi)``, k = 0..seq_len-1, for next-step prediction.

    The period P (in steps) is drawn uniformly from ``PERIODS`` and the phase
    phi from [0, 2 pi), once per curve. Item i is ``(x, y)``, each
    ``(seq_len - 1, 1)``: x = s_0..s_{T-2} and y = s_1..s_{T-1}. With
    ``noise_std > 0``, every access adds fresh Gaussian noise to x (not to y),
    drawn from the dataset's own seeded generator. ``curves`` holds the clean
    curves ``(num_samples, seq_len)``. An index may also be a tensor or slice.
    """

    def __init__(self, num_samples, seq_len=SEQ_LEN, seed=None, noise_std=0.0):
        if not isinstance(num_samples, int) or num_samples < 1:
            raise ValueError(f"num_samples must be a positive integer, got {num_samples!r}")
        if not isinstance(seq_len, int) or seq_len < 2:
            raise ValueError(f"seq_len must be an integer >= 2, got {seq_len!r}")
        if not math.isfinite(noise_std) or noise_std < 0:
            raise ValueError(f"noise_std must be a finite number >= 0, got {noise_std!r}")
        rng = np.random.default_rng(seed)
        periods = rng.uniform(*PERIODS, size=(num_samples, 1))
        phases = rng.uniform(0, 2 * np.pi, size=(num_samples, 1))
        steps = np.arange(seq_len)
        self.curves = torch.from_numpy(np.sin(2 * np.pi * steps / periods + phases)).float()
        self.noise_std = noise_std
        self.generator = torch.Generator().manual_seed(int(rng.integers(2**62)))

    def __len__(self):
        return len(self.curves)

    def __getitem__(self, index):
        curves = self.curves[index].unsqueeze(-1)
        x, y = curves[..., :-1, :], curves[..., 1:, :]
        if self.noise_std:
            x = x + self.noise_std * torch.randn(x.shape, generator=self.generator)
        return x, y
