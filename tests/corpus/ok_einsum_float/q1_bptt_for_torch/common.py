import numpy as np


def softmax(data):
    """
    Numerically stable softmax, computed for every row of data separately.

    :param data: array (nSamples, nVocab)
    :return: array (nSamples, nVocab) with the probabilities
    """
    probs = np.zeros_like(data)
    for row_idx in range(len(data)):
        row = data[row_idx]
        # subtract the max so exp does not overflow
        e = np.exp(row - np.max(row))
        probs[row_idx] = e / np.sum(e)
    return probs


def cross_entropy_loss(output, target):
    """
    Cross entropy between predicted probabilities and one-hot targets.

    :param output: predicted probabilities
    :param target: one-hot labels, same shape as output
    :return: the cross entropy (one value per sample)
    """
    p_correct = output[target == 1]
    return np.squeeze(-np.log(p_correct))

def clip_gradient(grad, threshold):
    """
    Rescales grad in place if its norm is larger than threshold.

    :param grad: gradient array (changed in place)
    :param threshold: maximal allowed norm
    :return: None
    """
    #####Insert your code here for subtask 1c#####
    norm = np.sqrt(np.sum(grad ** 2))
    if norm > threshold:
        grad *= threshold / norm  # in place!
