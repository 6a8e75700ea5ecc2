"""The interface shared by the numpy layers of Question 1.

A network is a list of layers. Each layer maps a sequence to a sequence:
``fprop(xs) -> ys`` and ``bprop(dys) -> dxs``, where one sequence has shape
``(T, n)`` and a batch of sequences ``(B, T, n)``; both return the layout they
were given. ``bprop`` adds (``+=``) the parameters' gradients into their
``d``-prefixed twins, so a gradient accumulates until ``clear_stored_derivs``.
"""

import numpy as np


class Layer:
    """Base class: parameter bookkeeping and the plain SGD update."""

    def get_params(self):
        """Yield ``(param, grad, name)`` for every parameter array."""
        raise NotImplementedError

    def clear_stored_states(self):
        """Forget what ``fprop`` stored for ``bprop``."""
        self.cache = None

    def clear_stored_derivs(self):
        """Set every accumulated gradient to zero, in place."""
        for _, grad, _ in self.get_params():
            grad.fill(0.0)

    def update_weights(self, learning_rate):
        """One step of gradient descent: ``param -= learning_rate * grad``."""
        for param, grad, _ in self.get_params():
            param -= learning_rate * grad

    def _cached(self, dys):
        """Check ``dys`` against what ``fprop`` stored and return the cache.

        ``dys`` must have the shape of ``fprop``'s output.
        """
        if getattr(self, "cache", None) is None:
            raise ValueError(f"{type(self).__name__}.bprop called before fprop")
        expected = self.cache["out_shape"]
        if np.shape(dys) != expected:
            raise ValueError(
                f"{type(self).__name__}.bprop expects dys of shape {expected} "
                f"(the shape fprop returned), got {np.shape(dys)}"
            )
        return self.cache


def check_sizes(**sizes):
    """Raise a ``ValueError`` unless every given size is a positive integer."""
    for name, value in sizes.items():
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def as_batch(xs, width):
    """Return ``xs`` as a float batch ``(B, T, width)`` and whether it was one sequence.

    Accepts ``(T, width)`` or ``(B, T, width)``; anything else is a ``ValueError``.
    """
    xs = np.asarray(xs)
    if xs.ndim not in (2, 3) or xs.shape[-1] != width or xs.shape[-2] == 0:
        raise ValueError(
            f"xs must have shape (T, {width}) or (B, T, {width}) with T >= 1, got {xs.shape}"
        )
    if not np.issubdtype(xs.dtype, np.floating):
        xs = xs.astype(np.float64)
    return (xs[None], True) if xs.ndim == 2 else (xs, False)
