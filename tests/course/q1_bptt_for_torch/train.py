"""Training of a numpy network, in the course handout's interface (a test fixture)."""

import numpy as np

import common
import data_generator
import test


def run_training(net, data, labels, clip_gradients=True, update_weights=True, learning_rate=0.001):
    for layer in net:
        data = layer.fprop(data)
    probs = common.softmax(data)
    loss = common.cross_entropy_loss(probs, labels)
    dys = [d.reshape(-1, 1) for d in probs - labels]
    for layer in reversed(net):
        dys = layer.bprop(dys)
        if clip_gradients:
            layer.clip_gradients()
        if update_weights:
            layer.update_weights(eta=learning_rate)
    return loss


def run_train_memory(net, to_remember_len, n_vocab, n_iters, delim_idx, blank_idx, lr=0.001):
    for _ in range(n_iters):
        data, labels = data_generator.generate_data_memory(
            to_remember_len, n_vocab, delim_idx, blank_idx
        )
        run_training(net, data, labels, learning_rate=lr)
    test.run_memory_test(
        net, to_remember_len, n_vocab, max(n_iters // 100, 1), delim_idx, blank_idx
    )
    return np.nan
