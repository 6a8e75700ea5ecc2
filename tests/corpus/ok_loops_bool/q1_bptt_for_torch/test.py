import data_generator as dg
import train as tr
import common as cm
from BasicRNNCell import *
from LinearLayer import *

import numpy as np
import matplotlib.pyplot as plt


def run_exploding_grads_test(net, data, labels, max_seq_len, n_pretrain):
    """
    Plots how the mean absolute gradient grows with the length of the sequence.
    Once clip_gradient is implemented the clipping is used here, so this also shows if it works.

    :param net: list of layers
    :param data: (maxSeqLen, nVocab) inputs
    :param labels: (maxSeqLen, nVocab) targets
    :param max_seq_len: longest sequence length that is tried
    :param n_pretrain: number of short training steps before the measurement
    """
    # a few training steps on short random sequences first
    pretrain_len = 3
    print(f"Pre-training for {n_pretrain} iterations...")
    for _ in range(n_pretrain):
        warm_data, warm_labels = dg.generate_random_data(pretrain_len, data.shape[1])
        tr.run_training(net, warm_data, warm_labels)

    # mean absolute gradient for every sequence length
    mean_abs_grads = []

    print("Computing plot...")
    for seq_end in range(1, max_seq_len):
        tr.run_training(net, data[:seq_end + 1], labels[:seq_end + 1], clip_gradients=True, update_weights=False)
        layer_grads = []
        for layer in net:
            layer_grads.append(np.concatenate([g.flatten() for _, g, _ in layer.get_params()]))
            layer.clear_stored_states()
            layer.clear_stored_derivs()
        all_grads = np.abs(np.concatenate(layer_grads))
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
    Accuracy of the trained net on new random memory sequences (printed, not returned).

    :param net: list of layers
    :param to_remember_len: number of characters to remember
    :param n_vocab: vocabulary size
    :param n_acc_iters: number of test sequences
    :param delim_idx: delimiter index
    :param blank_idx: index of the blank
    """
    acc = 0
    for i in range(n_acc_iters):
        #####Insert your code here for subtask 1e#####
        # a new random sequence that the net has not seen
        data, labels = dg.generate_data_memory(to_remember_len, n_vocab, delim_idx, blank_idx)

        # forward pass only, logits are the softmax outputs (one row per time step)
        loss, logits = run_forward_pass(net, data, labels)

        # only the last to_remember_len steps are interesting (the answer after the delimiter)
        n_correct = 0
        for t in range(len(labels) - to_remember_len, len(labels)):
            predicted = np.argmax(logits[t])
            correct = np.argmax(labels[t])
            if predicted == correct:
                n_correct += 1

        # accuracy of this sequence as a fraction
        acc += n_correct / to_remember_len
    acc /= n_acc_iters
    print(f"Validation set size {n_acc_iters}, Avg. acc. on validation set {acc}")


def run_forward_pass(net, data, labels, clear_after=True):
    """
    Forward pass through all layers, no backpropagation.

    :param data: (nSamples, nVocab) inputs
    :param labels: (nSamples, nVocab) one-hot targets
    :param clear_after: if True the layers forget their stored states afterwards
    :return: loss, softmax outputs
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
    Compares the gradients from bprop with central finite differences
    for num_checks random entries of every parameter and prints the errors.

    :param net: list of layers
    :param data: (nSamples, nVocab) inputs
    :param labels: (nSamples, nVocab) targets
    :param num_checks: number of checked entries per parameter
    """
    # step for the difference quotient
    eps = 1e-7

    # analytic gradients, without clipping and without changing the weights
    tr.run_training(net, data, labels, clip_gradients=False, update_weights=False)

    found_error = False
    for layer in net:
        for param, grad, name in layer.get_params():
            print(f"Working on {layer} and parameter: {name}")
            n_params = param.size
            n_done = 0
            while n_done < num_checks:
                # random entry of this parameter
                k = int(np.random.uniform(0, n_params))
                analytic = grad.flat[k].copy()

                # central difference
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
                n_done += 1
    print("------------------")
    print("------------------")
    if found_error:
        print("WARNING: Gradient seems to be wrong!")
    else:
        print("Gradient seems to be right! Enjoy!")
    print("------------------")
    print("------------------")
