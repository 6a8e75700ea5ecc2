"""Losses, gradient clipping, data and the training/checking routines of Question 1 (numpy).

A network is a list of layers (see ``layer.py``); its output at every step is
a vector of class scores, turned into probabilities by a softmax.
"""

import numbers

import numpy as np
from matplotlib.figure import Figure

from atomic import save_figure
from copy_task import copy_task_indices


def log_softmax(z):
    """``log softmax(z)`` over the last axis, computed without overflow. z: ``(..., C)``."""
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def softmax(z):
    """``softmax(z)_c = exp(z_c) / sum_k exp(z_k)`` over the last axis. z: ``(..., C)``."""
    return np.exp(log_softmax(z))


def cross_entropy(outputs, labels):
    """``-sum_c labels_c log softmax(outputs)_c`` for every position.

    outputs: class scores ``(..., C)``; labels: one-hot (or any distribution)
    ``(..., C)``. Returns the loss of every position, ``(...)``.
    """
    if np.shape(outputs) != np.shape(labels):
        raise ValueError(
            f"outputs and labels must have the same shape, got {np.shape(outputs)} "
            f"and {np.shape(labels)}"
        )
    return -(labels * log_softmax(outputs)).sum(axis=-1)


def clip_gradients(grads, threshold):
    """Rescale gradients in place so that their global L2 norm is at most ``threshold``.

    if ||grad|| > threshold:  grad *= threshold / ||grad||

    grads: one array or a list of arrays, treated as one vector (the norm is
    over all of them, as in ``torch.nn.utils.clip_grad_norm_``, which however
    divides by ``||grad|| + 1e-6``). Returns the norm before clipping.
    A norm at or below the threshold (zero gradients included) leaves the
    arrays unchanged. A NaN or infinite entry has no norm to scale by: the
    arrays are left as they are and the NaN or inf norm is returned, for the
    caller to stop on. threshold: a number > 0 (``inf`` never clips); anything
    else is a ``ValueError``.
    """
    #####Start Subtask 1d#####
    grads = [grads] if isinstance(grads, np.ndarray) else list(grads)
    if not all(isinstance(g, np.ndarray) and np.issubdtype(g.dtype, np.floating) for g in grads):
        raise ValueError("grads must be a float numpy array or a list of them")
    if not isinstance(threshold, numbers.Real) or not threshold > 0:
        raise ValueError(f"threshold must be a number > 0, got {threshold!r}")
    norm = float(np.sqrt(sum(np.vdot(g, g) for g in grads)))
    if np.isfinite(norm) and norm > threshold:
        for g in grads:
            g *= threshold / norm
    return norm
    #####End Subtask#####


def generate_data_memory(
    to_remember_len,
    n_vocab,
    delim_idx,
    blank_idx,
    batch_size=None,
    blank_len=0,
    rng=None,
):
    """One-hot data of the memorization task (the copy task of ``copy_task.copy_task_indices``).

    Returns ``data, labels``, float64 one-hot arrays of shape ``(T, n_vocab)``,
    or ``(batch_size, T, n_vocab)`` when a batch size is given; T = 2L + blank_len + 1.
    """
    inputs, targets = copy_task_indices(
        1 if batch_size is None else batch_size,
        to_remember_len,
        n_vocab,
        delim_idx,
        blank_idx,
        blank_len,
        rng,
    )
    eye = np.eye(n_vocab)
    data, labels = eye[inputs], eye[targets]
    return (data[0], labels[0]) if batch_size is None else (data, labels)


def sequence_count(labels):
    """1 for one sequence ``(T, C)``, B for a batch ``(B, T, C)``."""
    return 1 if np.ndim(labels) == 2 else len(labels)


def run_forward_pass(net, data, labels, clear_after=True):
    """Run the network; return the loss and the softmax probabilities.

    data: ``(T, I)`` or ``(B, T, I)``; labels: one-hot, the shape of the output.
    The loss is the cross-entropy summed over time steps and averaged over
    the sequences of a batch. probs has the output's shape.
    """
    outputs = data
    for layer in net:
        outputs = layer.fprop(outputs)
    loss = cross_entropy(outputs, labels).sum() / sequence_count(labels)
    if clear_after:
        for layer in net:
            layer.clear_stored_states()
    return float(loss), softmax(outputs)


def run_training(net, data, labels, clip_threshold=None, optimizer=None, clip_per_array=False):
    """One training step: forward, BPTT, optional clipping, optional update.

    The gradients are recomputed from zero and left in the layers. clip_threshold:
    ``None`` or a number > 0 for ``clip_gradients``, applied to the gradients as
    one vector, or with ``clip_per_array`` to each parameter's array on its own
    (the course handout's ``clip_gradient`` reading). optimizer: ``None``
    (compute the gradients only) or an object whose ``step()`` updates the weights.
    Returns ``(loss, norm)``, the loss and the global gradient norm before clipping.
    Raises ``FloatingPointError`` (before any update) if either is NaN or infinite.
    """
    for layer in net:
        layer.clear_stored_derivs()
    loss, probs = run_forward_pass(net, data, labels, clear_after=False)
    # d loss / d outputs of softmax + cross-entropy, for the batch-mean loss.
    d_outputs = (probs - labels) / sequence_count(labels)
    for layer in reversed(net):
        d_outputs = layer.bprop(d_outputs)
        layer.clear_stored_states()
    grads = [grad for layer in net for _, grad, _ in layer.get_params()]
    threshold = clip_threshold if clip_threshold else np.inf
    if clip_per_array:  # the global norm is the norm of the arrays' norms
        norm = float(np.linalg.norm([clip_gradients(g, threshold) for g in grads]))
    else:
        norm = clip_gradients(grads, threshold)
    if not np.isfinite(loss) or not np.isfinite(norm):
        raise FloatingPointError(f"the loss is {loss} and the gradient norm {norm}")
    if optimizer is not None:
        optimizer.step()
    return loss, norm


class SGD:
    """Plain gradient descent at a constant ``lr``: every layer's ``update_weights(lr)``."""

    def __init__(self, net, lr):
        self.net, self.lr = net, lr
        self.params = [(p, g) for layer in net for p, g, _ in layer.get_params()]
        self.t = 0

    def step(self):
        self.t += 1
        for layer in self.net:
            layer.update_weights(self.lr)

    def state(self):
        """The arrays a checkpoint keeps: the weights."""
        return {f"param{k}": p for k, (p, _) in enumerate(self.params)}


class Adam:
    """Adam (Kingma & Ba, 2015) on every parameter of a network, in place.

    m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
    m_hat = m / (1 - b1^t),  v_hat = v / (1 - b2^t),
    param -= lr * m_hat / (sqrt(v_hat) + eps)
    """

    def __init__(self, net, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params = [(p, g) for layer in net for p, g, _ in layer.get_params()]
        self.lr, self.betas, self.eps = lr, betas, eps
        self.m = [np.zeros_like(p) for p, _ in self.params]
        self.v = [np.zeros_like(p) for p, _ in self.params]
        self.t = 0

    def step(self):
        self.t += 1
        b1, b2 = self.betas
        for (param, grad), m, v in zip(self.params, self.m, self.v, strict=True):
            m *= b1
            m += (1 - b1) * grad
            v *= b2
            v += (1 - b2) * grad**2
            m_hat = m / (1 - b1**self.t)
            v_hat = v / (1 - b2**self.t)
            param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def state(self):
        """The arrays a checkpoint keeps: the weights and both moments of each."""
        arrays = {}
        for k, ((param, _), m, v) in enumerate(zip(self.params, self.m, self.v, strict=True)):
            arrays.update({f"param{k}": param, f"m{k}": m, f"v{k}": v})
        return arrays


def numerical_gradient(loss, array, picks, delta=1e-6):
    """Central differences ``(loss(a + delta) - loss(a - delta)) / (2 delta)``.

    loss: a function of no arguments that reads ``array``; each entry
    ``array.flat[j]`` for j in ``picks`` is perturbed in place and restored.
    Returns the derivatives ``(len(picks),)``. Rounding the loss limits their
    accuracy to about ``eps |loss| / delta`` (1e-9 for a loss of 10 at 1e-6).
    """
    numerical = np.empty(len(picks))
    for k, j in enumerate(picks):
        original = array.flat[j]
        array.flat[j] = original + delta
        plus = loss()
        array.flat[j] = original - delta
        minus = loss()
        array.flat[j] = original
        numerical[k] = (plus - minus) / (2 * delta)
    return numerical


def run_check_grads(net, data, labels, num_checks=None, delta=1e-6, rng=None, verbose=True):
    """Compare every parameter's BPTT gradient with central finite differences.

    For each parameter array, ``num_checks`` entries chosen at random (all of
    them if ``None``) are perturbed by ``±delta``:
    ``numerical = (L(p + delta) - L(p - delta)) / (2 delta)``. The relative error
    of a parameter is ``||analytic - numerical|| / max(||analytic||, ||numerical||)``
    over its checked entries (0 if both are 0). Prints one line per parameter
    and returns the largest relative error. The network should be float64.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    run_training(net, data, labels)
    worst = 0.0
    for i, layer in enumerate(net):
        for param, grad, name in layer.get_params():
            size = param.size
            picks = (
                np.arange(size)
                if num_checks is None
                else rng.choice(size, min(num_checks, size), replace=False)
            )
            analytic = grad.flat[picks].copy()
            numerical = numerical_gradient(
                lambda: run_forward_pass(net, data, labels)[0], param, picks, delta
            )
            scale = max(np.linalg.norm(analytic), np.linalg.norm(numerical))
            error = np.linalg.norm(analytic - numerical) / scale if scale > 0 else 0.0
            worst = max(worst, error)
            if verbose:
                print(
                    f"layer {i} {type(layer).__name__:<12} {name:<5} "
                    f"{len(picks):>5} entries  relative error {error:.2e}"
                )
    return worst


def mean_abs_gradient(net):
    """The mean absolute value over every gradient entry of the network."""
    grads = [grad for layer in net for _, grad, _ in layer.get_params()]
    return float(np.mean(np.abs(np.concatenate([g.ravel() for g in grads]))))


def random_sequence(length, n_vocab, rng):
    """A random one-hot input sequence and random one-hot labels, each ``(length, n_vocab)``."""
    eye = np.eye(n_vocab)
    return eye[rng.integers(n_vocab, size=length)], eye[rng.integers(n_vocab, size=length)]


def run_exploding_grads_test(net, data, labels, clip_threshold, out_path=None, title=None):
    """Mean |gradient| against sequence length, without and with clipping.

    data, labels: one sequence ``(T_max, n)`` or a batch ``(B, T_max, n)``; for
    every length T = 1..T_max the gradient of the first T steps is computed
    (no update), its mean absolute entry recorded, then clipped to
    ``clip_threshold`` and recorded again. Saves a log-scale plot to
    ``out_path`` (if given; never opens a window). Returns a dict with the
    lists ``seq_len``, ``mean_abs_grad`` and ``mean_abs_grad_clipped``.
    """
    lengths = np.arange(1, data.shape[-2] + 1)
    raw, clipped = [], []
    for T in lengths:
        run_training(net, data[..., :T, :], labels[..., :T, :])
        raw.append(mean_abs_gradient(net))
        clip_gradients([g for layer in net for _, g, _ in layer.get_params()], clip_threshold)
        clipped.append(mean_abs_gradient(net))
    for layer in net:
        layer.clear_stored_derivs()
    result = {
        "seq_len": lengths.tolist(),
        "mean_abs_grad": raw,
        "mean_abs_grad_clipped": clipped,
    }
    if out_path is not None:
        fig = Figure(figsize=(6, 4))
        ax = fig.subplots()
        ax.semilogy(lengths, raw, label="without clipping")
        ax.semilogy(lengths, clipped, label=f"clipped to norm {clip_threshold:g}")
        ax.set(
            xlabel="sequence length T",
            ylabel="mean |gradient|",
            title=title or "Gradient magnitude against sequence length",
        )
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.tight_layout()
        save_figure(fig, out_path, dpi=120)
    return result


def run_memory_test(
    net,
    to_remember_len,
    n_vocab,
    delim_idx,
    blank_idx,
    n_sequences=1000,
    blank_len=0,
    rng=None,
):
    """Accuracy on fresh memorization sequences, counted after the delimiter only.

    Generates ``n_sequences`` sequences, runs the network and compares the
    argmax of its output with the target in the last ``to_remember_len``
    positions (the positions after the delimiter). Returns a fraction in [0, 1].
    """
    #####Start Subtask 1e#####
    data, labels = generate_data_memory(
        to_remember_len, n_vocab, delim_idx, blank_idx, n_sequences, blank_len, rng
    )
    _, probs = run_forward_pass(net, data, labels)
    recall = slice(-to_remember_len, None)
    hits = probs[:, recall].argmax(axis=-1) == labels[:, recall].argmax(axis=-1)
    return float(hits.mean())
    #####End Subtask#####
