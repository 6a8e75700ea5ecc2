"""The base class of the torch cells of Question 2: read-out and state keeping."""

import torch

from layer import check_sizes


class AbstractRNNCell(torch.nn.Module):
    """A recurrent cell followed by a linear read-out at every time step.

    ``forward(x)`` maps ``x`` ``(B, T, input_size)`` to ``(B, T, output_size)``.
    With ``reset_hidden_state=False`` a call continues from the state the
    previous call ended in, so a sequence can be generated one step at a time.

    A subclass defines ``initial_state(batch_size)``, ``recur(x, state) ->
    (hs, state)`` with hs ``(B, T, hidden_size)``, ``get_rnn_type()`` and
    ``to_torch()`` (the equivalent ``torch.nn`` module with the same weights).
    """

    def __init__(self, input_size, hidden_size, output_size, device=None):
        super().__init__()
        check_sizes(input_size=input_size, hidden_size=hidden_size, output_size=output_size)
        self.input_size, self.hidden_size, self.output_size = (
            input_size,
            hidden_size,
            output_size,
        )
        self.readout = torch.nn.Linear(hidden_size, output_size, device=device)
        self.state = None

    def forward(self, x, reset_hidden_state=True):
        """Run the cell over x ``(B, T, input_size)``; return ``(B, T, output_size)``.

        reset_hidden_state: start from the zero state (True) or from the state
        the previous call left (False; on the first call the zero state).
        """
        self._check_input(x)
        if reset_hidden_state or self.state is None:
            state = self.initial_state(x.shape[0])
        else:
            state = self.state
            held = state[0].shape[0] if isinstance(state, tuple) else state.shape[0]
            if held != x.shape[0]:
                raise ValueError(
                    f"reset_hidden_state=False continues a batch of {held} sequences, "
                    f"got a batch of {x.shape[0]}"
                )
        hs, self.state = self.recur(x, state)
        return self.readout(hs)

    def _check_input(self, x):
        if not isinstance(x, torch.Tensor):
            raise ValueError(f"x must be a torch.Tensor, got {type(x).__name__}")
        if x.ndim != 3 or x.shape[2] != self.input_size or 0 in x.shape[:2]:
            raise ValueError(
                f"x must have shape (B, T, {self.input_size}) with B, T >= 1, got {tuple(x.shape)}"
            )
        weight = self.readout.weight
        if x.dtype != weight.dtype or x.device != weight.device:
            raise ValueError(
                f"x must be {weight.dtype} on {weight.device} like the weights, "
                f"got {x.dtype} on {x.device}"
            )

    def _new_like(self, module_class, **kwargs):
        """A one-layer ``torch.nn`` recurrent module of this cell's sizes, dtype and device."""
        weight = self.readout.weight
        return module_class(self.input_size, self.hidden_size, batch_first=True, **kwargs).to(
            device=weight.device, dtype=weight.dtype
        )

    def initial_state(self, batch_size):
        raise NotImplementedError

    def recur(self, x, state):
        raise NotImplementedError

    def get_rnn_type(self):
        raise NotImplementedError

    def to_torch(self):
        raise NotImplementedError
