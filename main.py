"""Exercise 6, Recurrent Neural Networks: the command line.

python main.py --task 0              # Question 1: numpy RNN, memorization task
python main.py --task 0 --RNN LSTM   # the same with the numpy LSTM
python main.py --task 1 --RNN LSTM   # Question 2c: sine extrapolation
python main.py --task 2 --RNN LSTM   # Question 2d/e: long-memory copy task
python main.py --resume runs/memory-LSTM  # continue a stopped run
"""

import argparse
import json
import math
import os
import sys
from pathlib import Path

import torch

from runner.footprint import too_large
from runner.outputs import CheckpointError, Run, load_checkpoint, prepare_out_dir
from runner.stops import SignalGuard, ending
from runner.tasks import DEFAULTS, TASKS, task_default

TASK_NAMES = {"0": "memorize", "1": "sine", "2": "memory"}
MAX_LR = 10.0  # Adam moves each weight by about lr per step: beyond this nothing trains
MAX_FORGET_BIAS = 20.0  # sigmoid(20) = 1 - 2e-9: beyond this the gate cannot move
MAX_SEED = 2**64 - 1  # torch's generators take 64-bit seeds; numpy's take any


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
        settings = ", ".join(_flag(k, v) for k, v in values.items())
        lines.append(f"  {name}: {settings}")
    return "\n".join(lines)


def _flag(key, value):
    flag = key.replace("_", "-")
    if isinstance(value, bool):
        return f"--{flag}" if value else f"--no-{flag}"
    return f"--{flag} {_shown(value)}"


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
        help="(required unless --resume) 0|memorize: numpy RNN on the memorization task "
        "(Question 1); 1|sine: sine extrapolation (Question 2c); "
        "2|memory: long-memory copy task (2d/e)",
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
    add("--steps", "--nbr_iters", type=positive_int, help="training steps, one batch each (task 0)")
    add("--batch-size", "--batch_sz", type=positive_int, help="sequences per training batch")
    add(
        "--lr",
        type=_number(float, 0, False, MAX_LR),
        help=f"learning rate, in (0, {MAX_LR:g}]",
    )
    add(
        "--final-lr-fraction",
        type=_number(float, 0, False, 1.0),
        help="the learning rate decays exponentially to this fraction of --lr over the run; "
        "1 keeps it constant (tasks 0, 1)",
    )
    add(
        "--optimizer",
        choices=("adam", "sgd"),
        help="task 0: Adam, or sgd, plain gradient descent as in the course's handout",
    )
    add("--hidden", "--rnn_sz", "--sz_rnn", type=positive_int, help="hidden units of the cell")
    add(
        "--clip",
        type=_number(float, 0, True),
        help="clip the gradient's global norm to this value; 0 disables clipping",
    )
    add(
        "--clip-per-array",
        action=argparse.BooleanOptionalAction,
        help="task 0: clip each parameter array to --clip on its own, as the course's "
        "handout does, instead of the global norm (default off)",
    )
    add(
        "--init",
        choices=("identity", "random"),
        help="W_hh of the basic RNN: identity (Question 1f) or random N(0, 1/H) "
        "(default identity); --RNN RNN only",
    )
    add(
        "--forget-bias",
        type=_number(float, -MAX_FORGET_BIAS, True, MAX_FORGET_BIAS),
        help="initial bias b_f of the LSTM's forget gate: the cell starts out keeping "
        "sigmoid(b_f) of its memory per step; --RNN LSTM only",
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
        "--curriculum",
        action=argparse.BooleanOptionalAction,
        help="grow the training sequences over the first half of the epochs, then train on "
        "the full task: task 1 the steps generated after the context from 10 to all, "
        "task 2 the blanks from 0 to --blank-len; the test is always the full task "
        "(default: on for task 1, off for task 2)",
    )
    add(
        "--match-params",
        action="store_true",
        help="size the basic RNN's hidden layer so that its parameter count matches "
        "the LSTM of --hidden units (the sheet's fairer comparison; --RNN RNN only)",
    )
    add(
        "--seed",
        type=_number(int, 0, True, MAX_SEED),
        default=0,
        help=f"random seed, 0 to {MAX_SEED} (default 0)",
    )
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
    add(
        "--resume",
        metavar="DIR",
        type=Path,
        help="continue the stopped run in DIR from its checkpoint, with its own settings, "
        "writing into DIR (no other flag but --quiet)",
    )
    return parser


def parse_args(argv=None):
    """Parse and check the flags; fill in the task's defaults."""
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.resume is not None:
        return _resumed(parser, args)
    if args.task is None:
        parser.error("--task is required (or --resume DIR to continue a stopped run)")
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
    else:
        if args.steps is not None:
            parser.error("--steps applies to --task 0 only; use --epochs")
        for flag, given in (
            ("--optimizer", args.optimizer),
            ("--clip-per-array", args.clip_per_array),
        ):
            if given is not None:
                parser.error(f"{flag} applies to --task 0 only")
    if args.task == "memory" and args.final_lr_fraction is not None:
        parser.error("--final-lr-fraction applies to tasks 0 and 1 (task 2 keeps --lr)")
    if args.init is not None and args.rnn == "LSTM":
        parser.error("--init sets the basic RNN's W_hh: use it with --RNN RNN")
    if args.forget_bias is not None and args.rnn != "LSTM":
        parser.error("--forget-bias sets the LSTM's forget gate: use it with --RNN LSTM")
    if args.match_params and args.rnn == "LSTM":
        parser.error(
            "--match-params sizes the basic RNN to an LSTM's parameter count: use it with --RNN RNN"
        )
    if args.task == "sine" and (args.to_remember_len is not None or args.blank_len is not None):
        parser.error("--to-remember-len and --blank-len apply to tasks 0 and 2, not --task 1")
    if args.curriculum is not None and args.task == "memorize":
        parser.error("--curriculum applies to tasks 1 and 2")
    if args.teacher_forcing and args.task != "sine":
        parser.error("--teacher-forcing applies to --task 1 only")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: CUDA is not available on this machine; use --device cpu")
    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    for key in DEFAULTS[args.task]:
        if getattr(args, key, None) is None:
            setattr(args, key, task_default(args.task, key, args.rnn))
    if args.rnn == "LSTM":
        args.init = None
    else:
        args.forget_bias = None
    if args.out is None:
        args.out = Path("runs") / (
            args.task
            if args.task == "memorize" and args.rnn == "RNN"
            else f"{args.task}-{args.rnn}"
        )
    message = too_large(args)
    if message:
        parser.error(message)
    return args


def _resumed(parser, args):
    """The flags of the run recorded in ``--resume DIR``, and its checkpoint."""
    given = [
        "--" + key.replace("_", "-")
        for key, value in vars(args).items()
        if key not in ("resume", "quiet") and value != parser.get_default(key)
    ]
    if given:
        parser.error(f"--resume continues a run with its own settings: drop {', '.join(given)}")
    folder = args.resume
    if not folder.is_dir():
        parser.error(f"--resume {folder}: no such folder")
    try:
        status = json.loads((folder / "metrics.json").read_text())["status"]
    except (OSError, ValueError, KeyError, TypeError):
        status = None
    if status == "complete":
        return argparse.Namespace(complete=True, out=folder)
    try:
        state, meta = load_checkpoint(folder)
    except CheckpointError as err:
        parser.error(f"--resume: {err}")
    config = meta["metrics"]["config"]
    if config["device"] == "cuda" and not torch.cuda.is_available():
        parser.error(f"--resume {folder}: the run trained on CUDA, which this machine lacks")
    return argparse.Namespace(
        **{**config, "out": folder, "quiet": args.quiet, "resume": (state, meta)}
    )


def main(argv=None):
    args = parse_args(argv)
    if getattr(args, "complete", False):
        print(f"{args.out} holds a complete run: nothing to resume")
        return 0
    config = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    config["resume"] = None
    try:
        out = args.out if args.resume else prepare_out_dir(args.out)
    except OSError as err:
        print(f"error: --out {args.out}: {err.strerror or err}", file=sys.stderr)
        return 2
    run = Run(
        out,
        {"task": args.task, "rnn": args.rnn, "config": config, "out_dir": str(out)},
        numpy_task=args.task == "memorize",
        history_unit="hundred steps" if args.task == "memorize" else "epoch",
        resumed=args.resume,
    )
    with SignalGuard() as signals:
        try:
            TASKS[args.task](args, run)
            status, message, code = "complete", None, 0
        except BaseException as err:
            signals.hold()
            if ending(err) is None:  # a bug: keep what was finished, then show it
                run.finish("crashed", f"{type(err).__name__}: {err}")
                raise
            status, message, code = ending(err)
        signals.hold()
        errors = run.finish(status, message)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if code:
        print(f"{status}: {message}; {_what_now(status, args, out)}", file=sys.stderr)
    else:
        print(f"outputs written to {out}")
    return code or (1 if errors else 0)


def _what_now(status, args, out):
    if status == "diverged":
        return "try a smaller --lr" + ("" if args.clip else " or a --clip > 0")
    if status == "not_implemented":
        return "complete that part first (see the handout's README)"
    if status in ("interrupted", "terminated"):
        return f"the finished part is in {out}; continue with: python main.py --resume {out}"
    return f"what was finished is in {out}"


if __name__ == "__main__":
    sys.exit(main())
