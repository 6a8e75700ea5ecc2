"""Sine curves, in the course handout's interface (a test fixture)."""

import torch
from torch.utils.data import Dataset


class SineDataset(Dataset):
    """sin(x / T), T ~ U[1, 2], x = x_0 + k * step with x_0 ~ U[0, 4 pi]; float32.

    An item is a curve without its last sample and, as its target, without its first.
    """

    def __init__(self, dataset_size, samples_per_sequence, sample_step):
        self.dataset_size = dataset_size
        start = torch.rand(size=(dataset_size,)) * 4 * torch.pi
        T = torch.rand(size=(dataset_size,)) + 1
        end = sample_step * (samples_per_sequence + 1)
        points = [s + torch.linspace(s, s + end, samples_per_sequence) for s in start]
        self.sin_arg_points = torch.stack(points, dim=0)
        self.sequences = torch.sin(self.sin_arg_points / T[:, None])

    def __len__(self):
        return self.dataset_size

    def __getitem__(self, index):
        return self.sequences[index, :-1], self.sequences[index, 1:]
