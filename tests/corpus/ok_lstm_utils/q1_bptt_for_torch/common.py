import numpy as np


def softmax(data):
    """
    Numerically safe softmax, applied to every row on its own.

    :param data: array (nSamples, nVocab)
    :return: array of the same shape, each row sums to one
    """
    probs = np.zeros_like(data)
    for row_idx, row in enumerate(data):
        e = np.exp(row - np.max(row))
        probs[row_idx] = e / np.sum(e)
    return probs


def cross_entropy_loss(output, target):
    """
    Cross entropy, output = probabilities, target = one-hot labels.

    :param output: predicted probabilities
    :param target: one-hot targets, same shape as output
    :return: -log of the probability of the correct class (squeezed)
    """
    p_correct = output[target == 1]
    return np.squeeze(-np.log(p_correct))


def clip_gradient(grad, threshold):
    """
    Rescales grad in place so that its norm is at most threshold.

    :param grad: gradient array (changed in place)
    :param threshold: maximal allowed norm
    """
    #####Insert your code here for subtask 1c#####
    norm = np.linalg.norm(grad.ravel())
    if norm > threshold:
        # +1e-6 so we never divide by something tiny
        grad *= threshold / (norm + 1e-6)
