"""The copy task's data, in the course handout's interface (a test fixture)."""

import torch
from torch.utils.data import Dataset


class CharSequenceDataset(Dataset):
    def __init__(self, dataset_size, to_remember_len, blank_separation_len):
        L, B = to_remember_len, blank_separation_len
        symbols = torch.randint(0, 8, (dataset_size, L))
        blanks = torch.full((dataset_size, B), 8)
        delim = torch.full((dataset_size, 1), 9)
        recall = torch.full((dataset_size, L), 8)
        self.inputs = torch.cat([symbols, blanks, delim, recall], 1)
        self.targets = torch.cat([torch.full((dataset_size, L + B + 1), 8), symbols], 1)

    def __len__(self):
        return len(self.inputs)

    def __getitem__(self, index):
        return torch.eye(10)[self.inputs[index]].long(), self.targets[index]
