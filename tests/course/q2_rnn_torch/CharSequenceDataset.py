"""The copy task's data, in the course handout's interface (a test fixture)."""

import torch
from torch.nn.functional import one_hot
from torch.utils.data import Dataset


class CharSequenceDataset(Dataset):
    """L symbols in 0..7, blanks (8), the delimiter (9), L blanks; one-hot int64 inputs.

    The targets are blanks up to the delimiter, then the L symbols (int64 classes).
    """

    def __init__(self, dataset_size, to_remember_len, blank_separation_len):
        blank, delimiter = 8, 9
        self.dataset_size = dataset_size
        symbols = torch.randint(0, blank, (dataset_size, to_remember_len))
        blanks = blank * torch.ones((dataset_size, blank_separation_len))
        delimiters = delimiter * torch.ones((dataset_size, 1))
        answer = blank * torch.ones((dataset_size, to_remember_len))
        sequences = torch.concat((symbols, blanks, delimiters, answer), dim=1).long()
        self.sequences = one_hot(sequences)
        before = blank * torch.ones((dataset_size, to_remember_len + blank_separation_len + 1))
        self.ground_truth = torch.concat((before, symbols), dim=1).long()

    def __len__(self):
        return self.dataset_size

    def __getitem__(self, index):
        return self.sequences[index, :], self.ground_truth[index, :]
