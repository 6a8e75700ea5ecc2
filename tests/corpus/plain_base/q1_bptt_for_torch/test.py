import data_generator as dg
import train as tr
import common as cm
from BasicRNNCell import *
from LinearLayer import *

import numpy as np
import matplotlib.pyplot as plt


def run_exploding_grads_test(net, data, labels, max_seq_len, n_pretrain):
    """Plot the mean absolute gradient against the length of the sequence."""
    # train a bit first on random sequences of length 3
    pre_len = 3
    print(f"Pre-training for {n_pretrain} iterations...")
    for _ in range(n_pretrain):
        x_pre, y_pre = dg.generate_random_data(pre_len, data.shape[1])
        tr.run_training(net, x_pre, y_pre)

    mean_grads = []
    print(f"Computing plot...")
    for n in range(1, max_seq_len):
        # only compute the gradients, no update
        tr.run_training(net, data[:n + 1], labels[:n + 1], clip_gradients=True, update_weights=False)
        all_grads = []
        for layer in net:
            all_grads.append(np.concatenate([g.flatten() for _, g, _ in layer.get_params()]))
            layer.clear_stored_states()
            layer.clear_stored_derivs()
        mean_grads.append(np.mean(np.abs(np.concatenate(all_grads))))

    plt.figure()
    plt.title("Visualization of exploding gradients")
    plt.loglog(range(1, max_seq_len), np.array(mean_grads))
    plt.xlabel("Number of Iterations")
    plt.ylabel("Mean Absolute Derivative")
    plt.show()


def run_memory_test(net, to_remember_len, n_vocab, n_acc_iters, delim_idx, blank_idx):
    """Accuracy of the net on n_acc_iters new sequences (only the part after the delimiter)."""
    acc = 0
    for i in range(n_acc_iters):
        #####Insert your code here for subtask 1e#####
        data, labels = dg.generate_data_memory(to_remember_len, n_vocab, delim_idx, blank_idx)
        _, probs = run_forward_pass(net, data, labels)
        pred = np.argmax(probs[to_remember_len + 1:], axis=1)
        target = np.argmax(labels[to_remember_len + 1:], axis=1)
        acc += np.mean(pred == target)
    acc /= n_acc_iters
    print(f"Validation set size {n_acc_iters}, Avg. acc. on validation set {acc}")


def run_forward_pass(net, data, labels, clear_after=True):
    """Forward pass through all layers, returns (summed loss, softmax output)."""
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
    """Compare the bprop gradients with central differences for some random entries."""
    eps = 1e-7

    # analytical gradients first, the weights stay as they are
    tr.run_training(net, data, labels, clip_gradients=False, update_weights=False)

    any_wrong = False
    for layer in net:
        for param, grad, name in layer.get_params():
            print(f"Working on {layer} and parameter: {name}")
            checked = 0
            while checked < num_checks:
                k = int(np.random.uniform(0, param.size))
                analytic = grad.flat[k].copy()

                old = param.flat[k]
                param.flat[k] = old + eps
                loss_up = run_forward_pass(net, data, labels, clear_after=True)[0]
                param.flat[k] = old - eps
                loss_down = run_forward_pass(net, data, labels, clear_after=True)[0]
                param.flat[k] = old
                numeric = (loss_up - loss_down) / (2 * eps)
                if numeric == 0:
                    continue

                err_abs = abs(analytic - numeric)
                err_rel = err_abs / abs(numeric)
                print(f"Absolute error {err_abs}, Relative Error {err_rel}")
                if err_abs > 1e-7 or err_rel > 0.005:
                    any_wrong = True
                    print("WARNING: Gradient seems to be wrong")
                checked += 1

    line = "------------------"
    print(line)
    print(line)
    if any_wrong:
        print("WARNING: Gradient seems to be wrong!")
    else:
        print("Gradient seems to be right! Enjoy!")
    print(line)
    print(line)
