"""Small helper functions for our numpy RNN (relu forward / backward)."""
import numpy as np


def relu(z):
    """elementwise max(z, 0)"""
    return np.maximum(z, 0)


def zeroed_units(z):
    """indices of the units that the relu sets to zero (pre-activation <= 0)"""
    return np.where(z <= 0)


def relu_grad(grad, zeroed):
    """gradient through the relu: the units zeroed in the forward pass get 0"""
    grad = grad.copy()
    grad[zeroed] = 0
    return grad
