"""The memorization task's data, in the course handout's interface (a test fixture)."""

import numpy as np


def generate_data_memory(to_remember_len, vocab_size, delim_idx, blank_idx):
    """One sequence, one-hot (2L + 1, V): L symbols, the delimiter, L blanks; and its targets."""
    symbols = np.random.randint(0, vocab_size - 2, to_remember_len)
    blanks = blank_idx * np.ones_like(symbols)
    inputs = np.concatenate((symbols, [delim_idx], blanks))
    targets = np.concatenate((blanks, [blank_idx], symbols))
    data = np.zeros(shape=(2 * to_remember_len + 1, vocab_size))
    labels = np.zeros(shape=(2 * to_remember_len + 1, vocab_size))
    data[range(len(inputs)), inputs] = 1
    labels[range(len(targets)), targets] = 1
    return data, labels


def generate_random_data(n_samples, n_vocab):
    """n_samples - 1 one-hot characters and, as their targets, the character after each."""
    chars = np.random.randint(0, n_vocab, n_samples)
    data = np.zeros(shape=(n_samples - 1, n_vocab))
    labels = np.zeros(shape=(n_samples - 1, n_vocab))
    data[range(n_samples - 1), chars[:-1]] = 1
    labels[range(n_samples - 1), chars[1:]] = 1
    return data, labels
