"""The torch cells' base class, in the course handout's interface (a test fixture)."""

from abc import ABC, abstractmethod

from torch.nn import Module


class AbstractRNNCell(Module, ABC):
    @abstractmethod
    def get_rnn_type(self):
        """The cell's kind, as a string."""

    @abstractmethod
    def forward(self, x, reset_hidden_state=True):
        """x [B, L, I] (0-, 1- and 2-d inputs expanded) to outputs [B, L, O], squeezed."""
