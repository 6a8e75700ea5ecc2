"""The memorization task's data, in the course handout's interface (a test fixture)."""

import numpy as np


def generate_data_memory(to_remember_len, vocab_size, delim_idx, blank_idx):
    symbols = np.random.randint(0, vocab_size - 2, to_remember_len)
    inputs = np.concatenate([symbols, [delim_idx], [blank_idx] * to_remember_len])
    targets = np.concatenate([[blank_idx] * (to_remember_len + 1), symbols])
    eye = np.eye(vocab_size)
    return eye[inputs], eye[targets]


def generate_random_data(n_samples, n_vocab):
    chars = np.random.randint(0, n_vocab, n_samples + 1)
    eye = np.eye(n_vocab)
    return eye[chars[:-1]], eye[chars[1:]]
