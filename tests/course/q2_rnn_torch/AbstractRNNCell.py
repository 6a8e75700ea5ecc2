"""The torch cells' base class, in the course handout's interface (a test fixture)."""

from abc import ABC, abstractmethod

import torch


class AbstractRNNCell(torch.nn.Module, ABC):
    @abstractmethod
    def get_rnn_type(self):
        pass

    @abstractmethod
    def forward(self, x, reset_hidden_state=True):
        pass

    @staticmethod
    def batched(x):
        """x as [B, L, I]: 0-, 1- and 2-d inputs are expanded."""
        while x.dim() < 3:
            x = x.unsqueeze(0)
        return x
