"""The sine-curve data of Question 2c (torch), drawn as the course's dataset draws it."""

import numpy as np
import torch

SEQ_LEN = 130
SAMPLE_STEP = 0.15
SCALES = (1.0, 2.0)
STARTS = (0.0, 4 * np.pi)


class SineDataset(torch.utils.data.Dataset):
    """Sine curves ``s_k = sin((x_0 + k dx) / T)``, k = 0..seq_len-1, for next-step prediction.

    The scale T is drawn uniformly from ``SCALES`` and the start x_0 from
    ``STARTS``, once per curve; dx = ``SAMPLE_STEP``. A curve's period is
    2 pi T / dx, 42 to 84 samples. Item i is ``(x, y)``, each
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
        scales = rng.uniform(*SCALES, size=(num_samples, 1))
        starts = rng.uniform(*STARTS, size=(num_samples, 1))
        x = starts + SAMPLE_STEP * np.arange(seq_len)
        self.curves = torch.from_numpy(np.sin(x / scales)).float()

    def __len__(self):
        return len(self.curves)

    def __getitem__(self, index):
        curves = self.curves[index].unsqueeze(-1)
        return curves[..., :-1, :], curves[..., 1:, :]
