"""The three tasks of the command line: build the model, train, evaluate, record.

Each ``run_*`` takes the parsed flags and a ``Run`` and fills its metrics,
history and weights; ``main.py`` turns the flags into these calls.
"""

import ctypes
import json
import math

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from BasicRNNCell import BasicRNNCell, TorchBasicRNNCell
from common import (
    SGD,
    Adam,
    generate_data_memory,
    random_sequence,
    run_check_grads,
    run_exploding_grads_test,
    run_memory_test,
    run_training,
)
from LinearLayer import LinearLayer
from loops import N_CONTEXT, FreeRunning, test_loop_mem_task, test_loop_sines, train_loop
from memory_task import BLANK, DELIMITER, N_CLASSES, CharSequenceDataset, memory_task_loss
from MyLSTMCell import MyLSTMCell
from NumpyLSTMCell import NumpyLSTMCell
from runner.curriculum import BlankCurriculum, HorizonCurriculum
from sine_task import SineDataset

# The settings each task runs with unless a flag says otherwise, chosen so
# that each gives a good result within two minutes on a 2-core CPU. A dict
# gives a value per cell type. On task 0 (13 symbols, the course's length) a
# numpy LSTM step of 64 sequences costs about twelve of the basic cell's steps
# of 32, and it learns the task in 3 500 of them where the basic cell takes
# 40 000; the basic cell starts from a random W_hh, with which it reaches
# 100% where from the identity it stays near 80% (the identity helps across
# blanks and longer sequences: README, 1e/f). On the sine task the ReLU RNN,
# whose output is fed back into it, diverges at the LSTM's learning rate. The
# forget-gate bias 3 keeps 95% of an LSTM's memory per step at first instead
# of 73%: the gradient then reaches the symbols from the first steps on, and
# on every task it learns in a fraction of the steps. In tasks 0 and 1 the
# learning rate decays exponentially to ``final_lr_fraction`` of --lr over the
# run. Task 2 keeps it constant: the copy task's loss falls in steps, and a
# rate that has already decayed stalls on the next one.
DEFAULTS = {
    "memorize": {
        "steps": {"RNN": 40000, "LSTM": 3500},
        "batch_size": {"RNN": 32, "LSTM": 64},
        "lr": {"RNN": 2e-3, "LSTM": 1e-2},
        "hidden": {"RNN": 100, "LSTM": 128},
        "forget_bias": 3.0,
        "clip": 5.0,
        "to_remember_len": 13,
        "blank_len": 0,
        "init": "random",
        "optimizer": "adam",
        "clip_per_array": False,
        "final_lr_fraction": 0.1,
    },
    "sine": {
        "epochs": 60,
        "batch_size": 64,
        "lr": {"RNN": 3e-3, "LSTM": 1e-2},
        "hidden": 32,
        "forget_bias": 3.0,
        "clip": 5.0,
        "train_size": 1000,
        "curriculum": True,
        "init": "identity",
        "final_lr_fraction": 0.1,
    },
    "memory": {
        "epochs": 15,
        "batch_size": 100,
        "lr": {"RNN": 3e-3, "LSTM": 1e-2},
        "hidden": 128,
        "forget_bias": 3.0,
        "clip": 5.0,
        "to_remember_len": 8,
        "blank_len": 5,
        "train_size": 10000,
        "curriculum": False,
        "init": "identity",
    },
}
N_TEST = {"memorize": 1000, "sine": 100, "memory": 1000}
# Task 0's optimizers: Adam, or the course handout's plain gradient descent.
OPTIMIZERS = {"adam": Adam, "sgd": SGD}
EXPLODING_MAX_LEN = 200
CHECKPOINT_STEPS = 500  # task 0's checkpoints: a multiple of its 100-step loss history
GRAD_CHECK_ENTRIES = 20
# glibc's mallopt: M_MMAP_THRESHOLD (its largest value), M_TRIM_THRESHOLD, M_TOP_PAD.
MALLOC_OPTIONS = {-3: 32 << 20, -1: 256 << 20, -2: 64 << 20}
CURRICULUM_FIRST_STEPS = 10  # task 1's curriculum: steps generated after the context at first


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def parameter_count(rnn, input_size, hidden, output_size):
    """Parameters of a cell with its read-out: G H (I + H + 1) + H O + O, G = 4 gates or 1."""
    gates = 4 if rnn == "LSTM" else 1
    return gates * hidden * (input_size + hidden + 1) + hidden * output_size + output_size


def matched_hidden_size(input_size, output_size, lstm_hidden):
    """The basic RNN hidden size whose parameter count is closest to an LSTM's.

    The basic RNN's count H'^2 + H'(I + 1 + O) + O is quadratic in H': solve
    it for the LSTM's count and round to the nearer one.
    """
    lstm = parameter_count("LSTM", input_size, lstm_hidden, output_size)
    b = input_size + 1 + output_size
    root = (-b + math.sqrt(b * b + 4 * (lstm - output_size))) / 2

    def gap(h):
        return abs(parameter_count("RNN", input_size, h, output_size) - lstm)

    return min((max(1, math.floor(root)), math.ceil(root)), key=gap)


def task_default(task, flag, rnn):
    """The default of ``flag`` for ``task``, for the cell ``rnn`` where it depends on it."""
    value = DEFAULTS[task][flag]
    return value[rnn] if isinstance(value, dict) else value


def hidden_size(args, input_size, output_size):
    """The cell's width: ``--hidden``, or with ``--match-params`` the basic RNN's matched one."""
    if args.match_params:
        return matched_hidden_size(input_size, output_size, args.hidden)
    return args.hidden


def build_model(args, input_size, output_size):
    """The torch cell the flags ask for, on the chosen device."""
    if args.rnn == "LSTM":
        return MyLSTMCell(
            input_size, args.hidden, output_size, device=args.device, forget_bias=args.forget_bias
        )
    hidden = hidden_size(args, input_size, output_size)
    return TorchBasicRNNCell(input_size, hidden, output_size, device=args.device, init=args.init)


def build_numpy_net(args, rng):
    """The numpy network of task 0: the cell the flags ask for and a linear read-out."""
    if args.rnn == "LSTM":
        cell = NumpyLSTMCell(N_CLASSES, args.hidden, rng, forget_bias=args.forget_bias)
    else:
        cell = BasicRNNCell(N_CLASSES, args.hidden, args.init, rng)
    return [cell, LinearLayer(args.hidden, N_CLASSES, rng)]


def run_memorize(args, run):
    """Question 1: gradient check, exploding gradients, then the memorization task (numpy)."""
    keep_freed_memory()
    # The matrices are small: one BLAS thread is about twice as fast as two.
    with threadpool_limits(1):
        _memorize(args, run)


def keep_freed_memory():
    """Have glibc keep freed memory for reuse instead of handing it back to the kernel.

    A numpy training step allocates and frees temporaries of up to a few MB.
    By default glibc returns such memory to the kernel at once, and the next
    step faults it in again page by page: on a 2-core virtual machine that was
    a third of task 0's time, spent in the kernel. Elsewhere than glibc
    (macOS, musl) this does nothing.
    """
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    for option, value in MALLOC_OPTIONS.items():
        mallopt(option, value)


def _memorize(args, run):
    rng = np.random.default_rng(args.seed)
    net = build_numpy_net(args, rng)
    optimizer = OPTIMIZERS[args.optimizer](net, args.lr)
    run.weights = lambda: {
        f"{i}.{name}": p for i, layer in enumerate(net) for p, _, name in layer.get_params()
    }
    if run.resumed is None:
        run.metrics["num_parameters"] = sum(p.size for p, _ in optimizer.params)
        _check_gradients(args, run, net, rng)
        first_step = 1
    else:
        first_step = _restore_numpy(run.resumed, optimizer, rng)
    L, blanks = args.to_remember_len, args.blank_len
    losses = []
    steps = tqdm(
        range(first_step, args.steps + 1),
        initial=first_step - 1,
        total=args.steps,
        desc="training",
        unit="step",
        disable=args.quiet,
        mininterval=0.5,
    )
    for step in steps:
        data, labels = generate_data_memory(
            L, N_CLASSES, DELIMITER, BLANK, args.batch_size, blanks, rng
        )
        optimizer.lr = args.lr * args.final_lr_fraction ** ((step - 1) / args.steps)
        try:
            loss, _ = run_training(
                net, data, labels, args.clip or None, optimizer, args.clip_per_array
            )
        except FloatingPointError as err:
            raise FloatingPointError(f"step {step}: {err}") from None
        losses.append(loss)
        if step % 100 == 0 or step == args.steps:
            run.history.append(float(np.mean(losses)))
            losses.clear()
        if step % CHECKPOINT_STEPS == 0:
            run.save_checkpoint(_numpy_state(optimizer, rng, step))
    accuracy = run_memory_test(net, L, N_CLASSES, DELIMITER, BLANK, N_TEST["memorize"], blanks, rng)
    run.metrics["test_accuracy"] = accuracy
    print(f"test accuracy after the delimiter ({N_TEST['memorize']} sequences): {accuracy:.2%}")


def _check_gradients(args, run, net, rng):
    """Question 1b-d before training: the gradient check and the exploding-gradient test."""
    data, labels = generate_data_memory(
        args.to_remember_len, N_CLASSES, DELIMITER, BLANK, 4, args.blank_len, rng
    )
    error = run_check_grads(net, data, labels, GRAD_CHECK_ENTRIES, rng=rng, verbose=not args.quiet)
    run.metrics["grad_check_max_relative_error"] = error
    print(f"gradient check: largest relative error {error:.1e}")

    data, labels = random_sequence(EXPLODING_MAX_LEN, N_CLASSES, rng)
    threshold = args.clip or DEFAULTS["memorize"]["clip"]
    grads = run_exploding_grads_test(
        net, data, labels, threshold, run.out / "exploding_gradients.png"
    )
    run.metrics["exploding_gradients"] = grads
    print(
        f"mean |gradient| at T = 1, {EXPLODING_MAX_LEN}: {grads['mean_abs_grad'][0]:.2e}, "
        f"{grads['mean_abs_grad'][-1]:.2e} (clipped: {grads['mean_abs_grad_clipped'][-1]:.2e})"
    )


def _numpy_state(optimizer, rng, step):
    """All that task 0 needs to continue after ``step``: the arrays, the optimizer's step, the
    generator."""
    return {
        **optimizer.state(),
        "step": np.array(step),
        "optimizer_t": np.array(optimizer.t),
        "rng": np.array(json.dumps(rng.bit_generator.state)),
    }


def _restore_numpy(state, optimizer, rng):
    """Load what ``_numpy_state`` saved, in place; return the step to continue with."""
    for name, array in optimizer.state().items():
        array[...] = state[name]
    optimizer.t = int(state["optimizer_t"])
    rng.bit_generator.state = json.loads(str(state["rng"]))
    return int(state["step"]) + 1


class TorchCheckpoint:
    """The training state of ``train_loop``, saved through a ``Run`` and restored from it."""

    def __init__(self, run):
        self.run = run

    def restore(self, model, optimizer, scheduler, generator):
        """Load the resumed run's state, if any; return the epoch to continue with."""
        state = self.run.resumed
        if state is None:
            return 1
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(state["scheduler"])
        generator.set_state(state["generator"])
        return state["epoch"] + 1

    def save(self, epoch, model, optimizer, scheduler, generator):
        self.run.save_checkpoint(
            {
                "epoch": epoch,
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": None if scheduler is None else scheduler.state_dict(),
                "generator": generator.get_state(),
            }
        )


def _record(run, model):
    """Let ``run`` save this model's weights and know its size, however training ends."""
    run.weights = model.state_dict
    run.metrics.update(num_parameters=count_parameters(model), hidden_size=model.hidden_size)


def _train(args, run, model, dataset, loss_func, init_scheduler=None):
    # Subnormal floats (below 1e-38) are computed in microcode on x86 CPUs, up
    # to a hundred times slower; a ReLU RNN produces many. Flush them to zero.
    torch.set_flush_denormal(True)
    train_loop(
        args.epochs,
        model,
        lambda params: torch.optim.Adam(params, args.lr),
        loss_func,
        args.batch_size,
        dataset,
        clip=args.clip,
        init_scheduler=init_scheduler,
        seed=args.seed,
        history=run.history,
        quiet=args.quiet,
        checkpoint=TorchCheckpoint(run),
    )


def run_sine(args, run):
    """Question 2c: train on sine curves, then extrapolate 100 steps from 30.

    The model trains free-running (reading its own outputs after the context,
    as when it generates), or with ``--teacher-forcing`` on the true curve only;
    with ``--curriculum`` on curves that grow from 10 steps after the context
    to the whole curve over the first half of the epochs.
    """
    torch.manual_seed(args.seed)
    model = build_model(args, 1, 1)
    _record(run, model)
    train = SineDataset(args.train_size, seed=args.seed)
    if args.curriculum:
        train = HorizonCurriculum(train, args.epochs, N_CONTEXT + CURRICULUM_FIRST_STEPS)
    test = SineDataset(N_TEST["sine"], seed=args.seed + 1)
    decay = args.final_lr_fraction ** (1 / args.epochs)
    _train(
        args,
        run,
        model if args.teacher_forcing else FreeRunning(model),
        train,
        torch.nn.functional.mse_loss,
        lambda optimizer: torch.optim.lr_scheduler.ExponentialLR(optimizer, decay),
    )
    mse = test_loop_sines(model, test, run.out)
    run.metrics["test_mse"] = mse
    print(f"mean squared error of the generated part ({N_TEST['sine']} curves): {mse:.4f}")


def run_memory(args, run):
    """Question 2d/e: the copy task; test loss and accuracy on fresh sequences.

    With ``--curriculum`` the training blanks grow from 0 to ``--blank-len``
    over the first half of the epochs; the test is at ``--blank-len``.
    """
    torch.manual_seed(args.seed)
    model = build_model(args, N_CLASSES, N_CLASSES)
    _record(run, model)
    L, blanks = args.to_remember_len, args.blank_len
    if args.curriculum:
        train = BlankCurriculum(args.train_size, L, blanks, args.epochs, seed=args.seed)
    else:
        train = CharSequenceDataset(args.train_size, L, blanks, seed=args.seed)
    test = CharSequenceDataset(N_TEST["memory"], L, blanks, seed=args.seed + 1)
    _train(args, run, model, train, memory_task_loss)
    loss, accuracy = test_loop_mem_task(model, test, 500, L)
    run.metrics.update(test_loss=loss, test_accuracy=accuracy)
    print(
        f"test accuracy in the recall window ({len(test)} sequences): {accuracy:.2%}, "
        f"loss per sequence {loss:.3f}"
    )


TASKS = {"memorize": run_memorize, "sine": run_sine, "memory": run_memory}
