"""Tests of a numpy network, in the course handout's interface (a test fixture)."""

import matplotlib.pyplot as plt
import numpy as np

import common as cm
import data_generator as dg
import train as tr


def run_exploding_grads_test(net, data, labels, max_seq_len, n_pretrain):
    """Plot the mean absolute gradient against the sequence length."""
    for _ in range(n_pretrain):
        tr.run_training(net, *dg.generate_random_data(3, data.shape[1]))
    grads = []
    for i in range(1, max_seq_len):
        tr.run_training(net, data[: i + 1], labels[: i + 1], update_weights=False)
        layer_grads = []
        for layer in net:
            layer_grads += [grad.flatten() for _, grad, _ in layer.get_params()]
            layer.clear_stored_states()
            layer.clear_stored_derivs()
        grads.append(np.mean(np.abs(np.concatenate(layer_grads))))
    plt.figure()
    plt.loglog(range(1, max_seq_len), grads)
    plt.show()


def run_memory_test(net, to_remember_len, n_vocab, n_acc_iters, delim_idx, blank_idx):
    """Print the accuracy on n_acc_iters fresh sequences."""
    acc = 0
    for i in range(n_acc_iters):
        #####Start Subtask 1e#####
        data, labels = dg.generate_data_memory(to_remember_len, n_vocab, delim_idx, blank_idx)
        _, logits = run_forward_pass(net, data, labels)
        recall = slice(-to_remember_len, None)
        acc += np.mean(logits[recall].argmax(-1) == labels[recall].argmax(-1))
        #####End Subtask#####
    acc /= n_acc_iters
    print(f"Validation set size {n_acc_iters}, Avg. acc. on validation set {acc}")


def run_forward_pass(net, data, labels, clear_after=True):
    """Forward only: ``(loss, softmax of the outputs)``."""
    output = data.copy()
    for layer in net:
        output = layer.fprop(output)
    logits = cm.softmax(output)
    loss = np.sum(cm.cross_entropy_loss(logits, labels))
    if clear_after:
        for layer in net:
            layer.clear_stored_states()
    return loss, logits


def run_check_grads(net, data, labels, num_checks):
    """Print finite differences against bprop's gradients, num_checks per parameter."""
    delta = 1e-7
    tr.run_training(net, data, labels, clip_gradients=False, update_weights=False)
    wrong = False
    for layer in net:
        for param, grad, name in layer.get_params():
            print(f"Working on {layer} and parameter: {name}")
            checked = 0
            while checked < num_checks:
                k = int(np.random.uniform(0, param.size))
                analytical, original = grad.flat[k].copy(), param.flat[k]
                param.flat[k] = original + delta
                up, _ = run_forward_pass(net, data, labels)
                param.flat[k] = original - delta
                down, _ = run_forward_pass(net, data, labels)
                param.flat[k] = original
                numerical = (up - down) / (2 * delta)
                if numerical == 0:
                    continue
                error = abs(analytical - numerical)
                print(f"Absolute error {error}, Relative Error {error / abs(numerical)}")
                wrong |= error > 1e-7 or error / abs(numerical) > 0.005
                checked += 1
    print("WARNING: Gradient seems to be wrong!" if wrong else "Gradient seems to be right! Enjoy!")
