"""Exercise 6, Recurrent Neural Networks: the command line.

python main.py --task 0              # Question 1: numpy RNN, memorization task
python main.py --task 0 --RNN LSTM   # the same with the numpy LSTM
python main.py --task 1 --RNN LSTM   # Question 2c: sine extrapolation
python main.py --task 2 --RNN LSTM   # Question 2d/e: long-memory copy task
"""

import argparse
import math
import os
import sys
from pathlib import Path

import torch

from common import NonFiniteError
from outputs import Run, prepare_out_dir
from tasks import DEFAULTS, TASKS

TASK_NAMES = {"0": "memorize", "1": "sine", "2": "memory"}
MAX_LR = 10.0  # Adam moves each weight by about lr per step: beyond this nothing trains


def _number(kind, least, inclusive, most=math.inf):
    """An argparse type: a finite ``kind`` >= least (inclusive) or > least, and <= most."""
    bound = f"{'>=' if inclusive else '>'} {least}" + (f" and <= {most}" if most < math.inf else "")

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a {kind.__name__} {bound}, got {text!r}"
            ) from None
        below = value < least or (value == least and not inclusive)
        if not math.isfinite(value) or below or value > most:
            raise argparse.ArgumentTypeError(
                f"expected a finite {kind.__name__} {bound}, got {text!r}"
            )
        return value

    return parse


def _task(text):
    name = TASK_NAMES.get(text, text)
    if name not in DEFAULTS:
        raise argparse.ArgumentTypeError(
            f"expected one of 0, 1, 2, memorize, sine, memory, got {text!r}"
        )
    return name


def _rnn(text):
    names = {"RNN": "RNN", "BasicRNN": "RNN", "LSTM": "LSTM"}
    if text not in names:
        raise argparse.ArgumentTypeError(f"expected RNN or LSTM (BasicRNN is RNN), got {text!r}")
    return names[text]


def _writable_dir(text):
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a file, not a folder")
    existing = next(p for p in (path.absolute(), *path.absolute().parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write into {str(existing)!r}")
    return path


def _shown(value):
    if isinstance(value, dict):
        return " / ".join(f"{v:g} ({cell})" for cell, v in value.items())
    return f"{value:g}" if isinstance(value, float) else str(value)


def _defaults_help():
    lines = ["defaults per task:"]
    for name, values in DEFAULTS.items():
        settings = ", ".join(f"--{k.replace('_', '-')} {_shown(v)}" for k, v in values.items())
        lines.append(f"  {name}: {settings}")
    return "\n".join(lines)


def make_parser():
    parser = argparse.ArgumentParser(
        description="Exercise 6, Recurrent Neural Networks: run one task and write its "
        "plots, metrics.json and weights into an output folder.",
        epilog=_defaults_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    positive_int = _number(int, 1, True)
    add = parser.add_argument
    add(
        "--task",
        type=_task,
        required=True,
        help="0|memorize: numpy RNN on the memorization task (Question 1); "
        "1|sine: sine extrapolation (Question 2c); 2|memory: long-memory copy task (2d/e)",
    )
    add(
        "--RNN",
        "--rnn_type",
        dest="rnn",
        type=_rnn,
        default="RNN",
        help="the cell: RNN (the basic ReLU cell) or LSTM; in task 0 both are numpy "
        "cells with hand-written BPTT (default RNN)",
    )
    add("--epochs", "--num_epochs", type=positive_int, help="training epochs (tasks 1, 2)")
    add("--steps", type=positive_int, help="training steps, one batch each (task 0)")
    add("--batch-size", "--batch_sz", type=positive_int, help="sequences per training batch")
    add(
        "--lr",
        type=_number(float, 0, False, MAX_LR),
        help=f"learning rate of Adam, in (0, {MAX_LR:g}]",
    )
    add("--hidden", "--rnn_sz", type=positive_int, help="hidden units of the cell")
    add(
        "--clip",
        type=_number(float, 0, True),
        help="clip the gradient's global norm to this value; 0 disables clipping",
    )
    add(
        "--init",
        choices=("identity", "random"),
        help="W_hh of the basic RNN: identity (Question 1f) or random N(0, 1/H) "
        "(default identity); --RNN RNN only",
    )
    add(
        "--train-size",
        type=positive_int,
        help="training sequences (tasks 1, 2; task 0 draws fresh ones)",
    )
    add("--to-remember-len", type=positive_int, help="symbols to remember (tasks 0, 2)")
    add(
        "--blank-len",
        type=_number(int, 0, True),
        help="blanks between the symbols and the delimiter (tasks 0, 2; >= 0)",
    )
    add(
        "--match-params",
        action="store_true",
        help="size the basic RNN's hidden layer so that its parameter count matches "
        "the LSTM of --hidden units (the sheet's fairer comparison; --RNN RNN only)",
    )
    add("--seed", type=_number(int, 0, True), default=0, help="random seed (default 0)")
    add(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="device of tasks 1 and 2; auto picks CUDA when present (default auto)",
    )
    add(
        "--out",
        type=_writable_dir,
        help="output folder (default runs/memorize, runs/sine-LSTM, ...); a folder "
        "that already holds files is kept, and the run goes to a new numbered one",
    )
    add(
        "--teacher-forcing",
        action="store_true",
        help="task 1: train on the true curve only, instead of on the model's own outputs",
    )
    add("--quiet", action="store_true", help="no progress bars")
    return parser


def parse_args(argv=None):
    """Parse and check the flags; fill in the task's defaults."""
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.task == "memorize":
        not_for_task_0 = (
            ("--epochs", args.epochs),
            ("--train-size", args.train_size),
            ("--match-params", args.match_params),
        )
        for flag, given in not_for_task_0:
            if given:
                parser.error(
                    f"{flag} does not apply to --task 0 (it trains the numpy RNN by --steps)"
                )
    elif args.steps is not None:
        parser.error("--steps applies to --task 0 only; use --epochs")
    if args.init is not None and args.rnn == "LSTM":
        parser.error("--init sets the basic RNN's W_hh: use it with --RNN RNN")
    if args.match_params and args.rnn == "LSTM":
        parser.error(
            "--match-params sizes the basic RNN to an LSTM's parameter count: use it with --RNN RNN"
        )
    if args.task == "sine" and (args.to_remember_len is not None or args.blank_len is not None):
        parser.error("--to-remember-len and --blank-len apply to tasks 0 and 2, not --task 1")
    if args.teacher_forcing and args.task != "sine":
        parser.error("--teacher-forcing applies to --task 1 only")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: CUDA is not available on this machine; use --device cpu")
    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    for key, value in DEFAULTS[args.task].items():
        if getattr(args, key, None) is None:
            setattr(args, key, value[args.rnn] if isinstance(value, dict) else value)
    if args.rnn == "LSTM":
        args.init = None
    if args.out is None:
        args.out = Path("runs") / (
            args.task
            if args.task == "memorize" and args.rnn == "RNN"
            else f"{args.task}-{args.rnn}"
        )
    return args


def main(argv=None):
    args = parse_args(argv)
    config = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    out = prepare_out_dir(args.out)
    run = Run(
        out,
        {"task": args.task, "rnn": args.rnn, "config": config, "out_dir": str(out)},
        "weights.npz" if args.task == "memorize" else "weights.pt",
        "hundred steps" if args.task == "memorize" else "epoch",
    )
    try:
        TASKS[args.task](args, run)
    except KeyboardInterrupt:
        run.finish("interrupted", "stopped by the user (Ctrl-C)")
        print("interrupted: outputs of the finished part are written", file=sys.stderr)
        return 130
    except NonFiniteError as err:
        run.finish("diverged", f"training stopped at {err}")
        hint = "a smaller --lr" + ("" if args.clip else " or a --clip > 0")
        print(f"error: training stopped at {err}; try {hint}", file=sys.stderr)
        return 1
    run.finish("complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
