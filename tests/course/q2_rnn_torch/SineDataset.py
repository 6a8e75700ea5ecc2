"""Sine curves, in the course handout's interface (a test fixture)."""

import math

import torch
from torch.utils.data import Dataset


class SineDataset(Dataset):
    def __init__(self, dataset_size, samples_per_sequence, sample_step):
        T = 1 + torch.rand(dataset_size, 1)
        x0 = 4 * math.pi * torch.rand(dataset_size, 1)
        steps = torch.arange(samples_per_sequence + 1) * sample_step
        self.data = torch.sin((x0 + steps) / T)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        seq = self.data[index]
        return seq[:-1], seq[1:]
