import data_generator as dg
import train as tr
import common as cm
from BasicRNNCell import *
from LinearLayer import *

import numpy as np
import matplotlib.pyplot as plt


def run_exploding_grads_test(net, data, labels, max_seq_len, n_pretrain):
    """
    Plots how large the (mean absolute) gradient gets for longer and longer
    sequences. Once clip_gradient works, the curve should stay bounded.

    :param net: the network, a list of layers
    :param data: (maxSeqLen, nVocab) inputs
    :param labels: (maxSeqLen, nVocab) targets
    :param max_seq_len: longest sequence length to try
    :param n_pretrain: how many short training runs to do first
    """
    pretrain_len = 3
    print(f"Pre-training for {n_pretrain} iterations...")
    for _ in range(n_pretrain):
        x_pre, y_pre = dg.generate_random_data(pretrain_len, data.shape[1])
        tr.run_training(net, x_pre, y_pre)

    mean_abs_grads = []

    print(f"Computing plot...")
    for seq_len in range(1, max_seq_len):
        _ = tr.run_training(net, data[0:seq_len + 1], labels[0:seq_len + 1],
                            clip_gradients=True, update_weights=False)
        per_layer = []
        for layer in net:
            per_layer.append(np.concatenate([g.flatten() for _, g, _ in layer.get_params()]))
            layer.clear_stored_states()
            layer.clear_stored_derivs()
        all_grads = np.abs(np.concatenate(per_layer))
        mean_abs_grads.append(np.mean(all_grads))

    mean_abs_grads = np.array(mean_abs_grads)
    plt.figure()
    plt.title("Visualization of exploding gradients")
    plt.loglog(range(1, max_seq_len), mean_abs_grads)
    plt.xlabel("Number of Iterations")
    plt.ylabel("Mean Absolute Derivative")
    plt.show()


def run_memory_test(net, to_remember_len, n_vocab, n_acc_iters, delim_idx, blank_idx):
    """
    Accuracy of the net on fresh memory sequences (only the recalled part counts).

    :param net: list of layers
    :param to_remember_len: number of characters to remember
    :param n_vocab: vocabulary size
    :param n_acc_iters: number of test sequences
    :param delim_idx: delimiter index
    :param blank_idx: blank index
    """
    acc = 0
    for i in range(n_acc_iters):
        #####Insert your code here for subtask 1e#####
        data, labels = dg.generate_data_memory(to_remember_len, n_vocab, delim_idx, blank_idx)
        _, probs = run_forward_pass(net, data, labels)

        # the net has to repeat the sequence in the last to_remember_len steps
        predicted = np.argmax(probs[-to_remember_len:], axis=1)
        target = np.argmax(labels[-to_remember_len:], axis=1)

        # we give the accuracy in percent
        acc += 100.0 * np.mean(predicted == target)
    acc /= n_acc_iters
    print(f"Validation set size {n_acc_iters}, Avg. acc. on validation set {acc}")


def run_forward_pass(net, data, labels, clear_after=True):
    """
    Forward pass only (no gradients).

    :param data: (nSamples, nVocab) inputs
    :param labels: (nSamples, nVocab) one-hot targets
    :param clear_after: if True the layers forget their stored states afterwards
    :return: (summed loss, softmax probabilities)
    """
    out = data.copy()
    for layer in net:
        out = layer.fprop(out)

    probs = cm.softmax(out)
    loss = np.sum(cm.cross_entropy_loss(probs, labels))

    if clear_after:
        for layer in net:
            layer.clear_stored_states()

    return loss, probs


def run_check_grads(net, data, labels, num_checks):
    """
    Compares the gradients from bprop with central finite differences for a few
    random entries of every parameter and prints the errors.

    :param net: list of layers
    :param data: (nSamples, nVocab) inputs
    :param labels: (nSamples, nVocab) targets
    :param num_checks: entries to check per parameter
    """
    eps = 1e-7

    # analytical gradients, weights stay untouched
    tr.run_training(net, data, labels, clip_gradients=False, update_weights=False)

    found_error = False
    for layer in net:
        for param, grad, name in layer.get_params():
            print(f"Working on {layer} and parameter: {name}")
            n_entries = param.size
            checked = 0
            while checked < num_checks:
                k = int(np.random.uniform(0, n_entries))
                analytic = grad.flat[k].copy()

                old = param.flat[k]
                param.flat[k] = old + eps
                loss_plus, _ = run_forward_pass(net, data, labels, clear_after=True)
                param.flat[k] = old - eps
                loss_minus, _ = run_forward_pass(net, data, labels, clear_after=True)
                param.flat[k] = old
                numeric = (loss_plus - loss_minus) / (2 * eps)
                if numeric == 0:
                    continue

                abs_error = abs(analytic - numeric)
                rel_error = abs_error / abs(numeric)
                print(f"Absolute error {abs_error}, Relative Error {rel_error}")
                if abs_error > 1e-7 or rel_error > 0.005:
                    found_error = True
                    print("WARNING: Gradient seems to be wrong")
                checked += 1
    print("------------------")
    print("------------------")
    if found_error:
        print("WARNING: Gradient seems to be wrong!")
    else:
        print("Gradient seems to be right! Enjoy!")
    print("------------------")
    print("------------------")
