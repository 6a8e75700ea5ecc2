"""Training of a numpy network, in the course handout's interface (a test fixture)."""

import numpy as np

import common as cm
import data_generator as dg
from test import *  # noqa: F403


def run_training(net, data, labels, clip_gradients=True, update_weights=True, learning_rate=0.001):
    """One step on one sequence: forward, softmax, cross-entropy, backward per layer."""
    output = data.copy()
    for layer in net:
        output = layer.fprop(output)
    logits = cm.softmax(output)
    loss = np.sum(cm.cross_entropy_loss(logits, labels))
    dys = [np.expand_dims(dy, axis=1) for dy in logits - labels]
    for layer in reversed(net):
        dys = layer.bprop(dys)
        if clip_gradients:
            layer.clip_gradients()
        if update_weights:
            layer.update_weights(eta=learning_rate)
    return loss


def run_train_memory(net, to_remember_len, n_vocab, n_iters, delim_idx, blank_idx, learn_rate):
    """Train on one fresh sequence per iteration, then print the accuracy on n_iters / 100."""
    for i in range(n_iters):
        data, labels = dg.generate_data_memory(to_remember_len, n_vocab, delim_idx, blank_idx)
        loss = run_training(net, data, labels, learning_rate=learn_rate)
        if i % 1000 == 0:
            print(f"Training iteration {i}. Loss: {loss}")
    run_memory_test(net, to_remember_len, n_vocab, int(n_iters / 100), delim_idx, blank_idx)  # noqa: F405
