"""Softmax, cross-entropy and clipping in numpy, in the course handout's interface."""

import numpy as np


def softmax(data):
    e = np.exp(data - data.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy_loss(output, target):
    return -np.sum(target * np.log(output + 1e-12))


def clip_gradient(grad, threshold):
    """Scale the array ``grad`` in place so that its norm is at most ``threshold``."""
    #####Start Subtask 1c#####
    norm = np.linalg.norm(grad)
    if norm > threshold:
        grad *= threshold / norm
    #####End Subtask#####
