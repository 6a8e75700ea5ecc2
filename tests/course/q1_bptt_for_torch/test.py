"""Tests of a numpy network, in the course handout's interface (a test fixture)."""

import numpy as np

import common
import data_generator


def run_forward_pass(net, data, labels, clear_after=True):
    for layer in net:
        data = layer.fprop(data)
    loss = common.cross_entropy_loss(common.softmax(data), labels)
    if clear_after:
        for layer in net:
            layer.clear_stored_states()
    return loss, data


def run_exploding_grads_test(net, n_vocab, lengths=(1, 10, 50)):
    means = []
    for length in lengths:
        data, labels = data_generator.generate_random_data(length, n_vocab)
        _, logits = run_forward_pass(net, data, labels, clear_after=False)
        dys = [d.reshape(-1, 1) for d in common.softmax(logits) - labels]
        for layer in reversed(net):
            dys = layer.bprop(dys)
        means.append(np.mean([np.abs(g).mean() for layer in net for _, g, _ in layer.get_params()]))
        for layer in net:
            layer.clear_stored_derivs()
            layer.clear_stored_states()
    return means


def run_check_grads(net, data, labels, delta=1e-6):
    return np.nan


def run_memory_test(net, to_remember_len, n_vocab, n_acc_iters, delim_idx, blank_idx):
    acc = 0.0
    for _ in range(n_acc_iters):
        #####Start Subtask 1e#####
        data, labels = data_generator.generate_data_memory(
            to_remember_len, n_vocab, delim_idx, blank_idx
        )
        _, logits = run_forward_pass(net, data, labels)
        recall = slice(-to_remember_len, None)
        acc += np.mean(logits[recall].argmax(-1) == labels[recall].argmax(-1))
        #####End Subtask#####
    acc /= n_acc_iters
    print(f"Validation set size {n_acc_iters}, Avg. acc. on validation set {acc}")
