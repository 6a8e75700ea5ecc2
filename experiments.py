"""Rerun every experiment of the README with fixed seeds: figures and a results table.

    python experiments.py [--quick] [--out DIR] [--jobs N] [--redraw]

1. exploding gradients: mean |gradient| against sequence length, with and
   without clipping, for random and identity initialisation and the numpy
   LSTM (Question 1c/d);
2. the memorization task, random against identity W_hh against the numpy
   LSTM, at growing lengths and delays, and the course's own recipe,
   several seeds (1e/f);
3. sine extrapolation: basic RNN, basic RNN with the LSTM's parameter count,
   and LSTM, several seeds (2c);
4. the copy task at the default setting, and against the blank separation
   length: basic RNN against LSTM with the same budget and curriculum,
   several seeds: how far back each cell remembers (2e).

Every training run is ``main.py`` with the flags shown in results.md; runs go
to ``DIR/runs``, the figures, ``results.md`` and ``results.json`` to ``DIR``.
``--quick`` runs everything on tiny settings (the test suite uses it).
"""

import argparse
import contextlib
import io
import json
import shutil
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from textwrap import wrap

import numpy as np
import torch
from matplotlib.figure import Figure

import main
from atomic import save_figure
from BasicRNNCell import BasicRNNCell
from common import random_sequence, run_exploding_grads_test
from copy_task import copy_task_length
from LinearLayer import LinearLayer
from loops import N_CONTEXT, generate
from NumpyLSTMCell import NumpyLSTMCell
from runner.outputs import versions, write_json
from runner.tasks import build_model, task_default
from sine_task import SineDataset

FULL = {
    "seeds": [0, 1, 2],
    "exploding": {"hidden": 100, "max_len": 200},
    "memorize": [
        ["--to-remember-len", "5"],
        [],
        ["--to-remember-len", "20"],
        ["--blank-len", "20"],
    ],
    "memorize_flags": [],
    "course_flags": [],
    "sine_flags": [],
    "memory_blanks": [5, 20, 50, 100],
    "memory_flags": ["--curriculum", "--epochs", "20"],
    "memory_default_flags": [],
}
QUICK = {
    "seeds": [0, 1],
    "exploding": {"hidden": 8, "max_len": 12},
    "memorize": [["--to-remember-len", "2"], []],
    "memorize_flags": ["--steps", "20", "--hidden", "8", "--batch-size", "4"],
    "course_flags": ["--steps", "20", "--hidden", "8"],
    "sine_flags": ["--epochs", "1", "--hidden", "4", "--train-size", "16"],
    "memory_blanks": [1, 2],
    "memory_default_flags": ["--epochs", "1", "--hidden", "6", "--train-size", "64"],
    "memory_flags": [
        "--curriculum",
        "--to-remember-len",
        "2",
        "--epochs",
        "1",
        "--hidden",
        "6",
        "--train-size",
        "64",
    ],
}
SINE_MODELS = {
    "RNN": ["--RNN", "RNN"],
    "RNN-matched": ["--RNN", "RNN", "--match-params"],
    "LSTM": ["--RNN", "LSTM"],
    "LSTM-teacher-forced": ["--RNN", "LSTM", "--teacher-forcing"],
}
MEMORIZE_CELLS = {
    "random RNN": ["--init", "random"],
    "identity RNN": ["--init", "identity"],
    "LSTM": ["--RNN", "LSTM"],
}
# The course handout's Question 1 (identity W_hh after 1f): H = 50, plain
# gradient descent at 0.001 on 70 000 single sequences, each array clipped to
# norm 5 on its own; and the same with Adam, to show what the optimizer alone
# changes.
COURSE_RECIPE = ["--init", "identity", "--hidden", "50", "--batch-size", "1", "--steps", "70000",
                 "--lr", "0.001", "--final-lr-fraction", "1", "--clip-per-array"]  # fmt: skip
COURSE_OPTIMIZERS = {"course recipe": "sgd", "course recipe, Adam": "adam"}
COURSE_LENGTH = f"L = {task_default('memorize', 'to_remember_len', 'RNN')}"
MEMORY_MODELS = {"RNN-matched": "--RNN RNN --match-params", "LSTM": "--RNN LSTM"}
# What each aid of the defaults is worth: a run of the first seed above, again
# with one aid taken away.
ABLATIONS = {
    "sine LSTM, --forget-bias 1": ("sine-LSTM", ["--forget-bias", "1"]),
    "sine LSTM, --no-curriculum": ("sine-LSTM", ["--no-curriculum"]),
    "sine LSTM, --forget-bias 1 --no-curriculum": (
        "sine-LSTM",
        ["--forget-bias", "1", "--no-curriculum"],
    ),
    "sine RNN-matched, --no-curriculum": ("sine-RNN-matched", ["--no-curriculum"]),
    "copy-task LSTM, largest blank length, --no-curriculum": (
        "memory-LSTM-{largest}",
        ["--no-curriculum"],
    ),
}
DEFAULT_KEYS = ("test_accuracy", "num_parameters", "hidden_size", "wall_seconds")
CHANCE = 1 / 8


def run(argv):
    """``main.py argv`` in this process on one thread; returns its metrics.

    A run that diverged keeps its status and message, and scores None.
    """
    torch.set_num_threads(1)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main.main([*argv, "--quiet"])
    return read_metrics(argv)


def read_metrics(argv):
    """The metrics of the run ``argv`` wrote; a run that diverged scores None."""
    metrics = json.loads((Path(argv[argv.index("--out") + 1]) / "metrics.json").read_text())
    for key in ("test_accuracy", "test_mse"):
        metrics.setdefault(key, None)
    return metrics


def run_all(jobs, argvs):
    """Run every argv (in parallel worker processes); return their metrics in order."""
    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(run, argvs))


def exploding(settings, out):
    """Question 1c/d: mean |gradient| against T for each cell, clipped and not."""
    hidden = settings["hidden"]
    makers = {
        "random W_hh": lambda rng: BasicRNNCell(10, hidden, "random", rng),
        "identity W_hh": lambda rng: BasicRNNCell(10, hidden, "identity", rng),
        "LSTM": lambda rng: NumpyLSTMCell(10, hidden, rng),
        "LSTM, forget-gate bias 3": lambda rng: NumpyLSTMCell(10, hidden, rng, forget_bias=3.0),
    }
    curves = {}
    for name, make in makers.items():
        rng = np.random.default_rng(0)
        net = [make(rng), LinearLayer(hidden, 10, rng)]
        data, labels = random_sequence(settings["max_len"], 10, rng)
        curves[name] = run_exploding_grads_test(net, data, labels, 5.0)
    fig = Figure(figsize=(7, 4.2))
    ax = fig.subplots()
    for color, (name, curve) in zip(("C0", "C3", "C2", "C1"), curves.items(), strict=True):
        ax.semilogy(curve["seq_len"], curve["mean_abs_grad"], color=color, label=name)
        ax.semilogy(
            curve["seq_len"],
            curve["mean_abs_grad_clipped"],
            color=color,
            ls="--",
            label=f"{name}, clipped to norm 5",
        )
    ax.set(
        xlabel="sequence length T",
        ylabel="mean |gradient|",
        title=f"Gradient magnitude (H = {hidden}, numpy cells), one random sequence",
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, out / "exploding_gradients.png", dpi=110)
    return {
        name: {
            "T": c["seq_len"][-1],
            "at_T1": c["mean_abs_grad"][0],
            "at_Tmax": c["mean_abs_grad"][-1],
            "clipped_at_Tmax": c["mean_abs_grad_clipped"][-1],
        }
        for name, c in curves.items()
    }


def summary(values):
    """Mean and spread of the runs that finished; None marks a run that diverged."""
    done = [v for v in values if v is not None]
    return {
        "mean": statistics.fmean(done) if done else None,
        "std": statistics.pstdev(done) if done else None,
        "values": values,
        "diverged": len(values) - len(done),
    }


def cells(values, form):
    """Table cells for per-seed values, "diverged" where a run did not finish."""
    return ", ".join("diverged" if v is None else format(v, form) for v in values)


def mean_std(r, form):
    if r["mean"] is None:
        return "all diverged"
    text = f"{format(r['mean'], form)} ± {format(r['std'], form)}"
    return text + (f" ({r['diverged']} diverged)" if r["diverged"] else "")


def with_outputs(runs, prefix, variants, flags):
    """``{name: argv}``: each variant's flags, the shared ``flags`` and its own ``--out``."""
    return {
        f"{prefix}-{key}": [*own, *flags, "--out", str(runs / f"{prefix}-{key}")]
        for key, own in variants.items()
    }


def memorize_argvs(config, runs):
    variants = {
        f"{i}-{cell}-{seed}": ["--task", "0", *flags, "--seed", str(seed), *extra]
        for i, extra in enumerate(config["memorize"])
        for cell, flags in MEMORIZE_CELLS.items()
        for seed in config["seeds"]
    }
    course = {
        f"course-{optimizer}-{seed}": [
            *["--task", "0", *COURSE_RECIPE, "--optimizer", optimizer, "--seed", str(seed)],
            *config["course_flags"],
        ]
        for optimizer in COURSE_OPTIMIZERS.values()
        for seed in config["seeds"]
    }
    return {
        **with_outputs(runs, "memorize", variants, config["memorize_flags"]),
        **with_outputs(runs, "memorize", course, []),
    }


def memorize_groups(config):
    """``{(setting, cell): run-name prefix}`` in table order: the cells at each length, then
    the course's recipes at its length."""
    groups = {}
    for i, extra in enumerate(config["memorize"]):
        args = main.parse_args(["--task", "0", *extra, *config["memorize_flags"]])
        setting = f"L = {args.to_remember_len}" + (
            f", {args.blank_len} blanks" if args.blank_len else ""
        )
        groups.update({(setting, cell): f"memorize-{i}-{cell}" for cell in MEMORIZE_CELLS})
    for name, optimizer in COURSE_OPTIMIZERS.items():
        groups[COURSE_LENGTH, name] = f"memorize-course-{optimizer}"
    return groups


def memorize_report(config, metrics, out):
    """Questions 1e/f: accuracy per cell and length over seeds, and the training curves at
    the course's length."""
    fig = Figure(figsize=(13, 4.8))
    ax_acc, ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    results, settings, colors = {}, [], {}
    for (setting, cell), prefix in memorize_groups(config).items():
        runs = [metrics[f"{prefix}-{seed}"] for seed in config["seeds"]]
        run_config = runs[0]["config"]
        acc = summary([m["test_accuracy"] for m in runs])
        results[f"{setting}, {cell}"] = {
            **acc,
            "T": copy_task_length(run_config["to_remember_len"], run_config["blank_len"]),
            "hidden": run_config["hidden"],
            "steps": run_config["steps"],
            "batch_size": run_config["batch_size"],
            "optimizer": run_config["optimizer"],
            "wall_seconds": statistics.fmean(m["wall_seconds"] for m in runs),
        }
        settings += [setting] if setting not in settings else []
        label = None if cell in colors else cell
        color = colors.setdefault(cell, f"C{len(colors)}")
        x = settings.index(setting) * (len(MEMORIZE_CELLS) + len(COURSE_OPTIMIZERS) + 1)
        x += list(colors).index(cell)
        bar = {"color": color, "alpha": 0.6, "capsize": 4, "label": label}
        ax_acc.bar(x, acc["mean"] or 0, yerr=acc["std"], **bar)
        ax_acc.plot([x] * len(runs), acc["values"], "k.", ms=5)
        if setting == COURSE_LENGTH:
            for m in runs:
                seen = 100 * m["config"]["batch_size"] * np.arange(1, len(m["loss_history"]) + 1)
                label = f"{cell} (H = {run_config['hidden']})" if m is runs[0] else None
                ax_loss.loglog(seen, m["loss_history"], color=color, lw=1, label=label)
    width = len(MEMORIZE_CELLS) + len(COURSE_OPTIMIZERS) + 1
    ax_acc.set_xticks([i * width + 1 for i in range(len(settings))], settings)
    ax_acc.axhline(CHANCE, color="0.5", ls="--", lw=1, label="chance (1/8)")
    ax_acc.set(
        ylabel="test accuracy after the delimiter",
        ylim=(0, 1.3),
        yticks=np.linspace(0, 1, 6),
        title=f"Memorization, {len(config['seeds'])} seeds each: main.py's defaults per cell, "
        "and the course's recipe",
    )
    ax_acc.legend(fontsize=8, loc="upper center", ncol=3)
    ax_loss.set(
        xlabel="training sequences seen",
        ylabel="training loss per sequence",
        title="Training curves at the course's length",
    )
    ax_loss.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, out / "memorization_init.png", dpi=110)
    return results


def ar2_mse(curves, n_context=N_CONTEXT):
    """MSE of the classical solution: s_t = a s_{t-1} + b s_{t-2} fitted to each context.

    A sampled sine obeys this recurrence exactly (a = 2 cos(2 pi / P), b = -1),
    so least squares on the n_context true samples finds a and b, and the
    recurrence then extrapolates the curve. curves: ``(N, T)``.
    """
    curves = np.asarray(curves, dtype=np.float64)
    errors = []
    for curve in curves:
        context = curve[:n_context]
        lagged = np.stack([context[1:-1], context[:-2]], axis=1)
        (a, b), *_ = np.linalg.lstsq(lagged, context[2:], rcond=None)
        generated = list(context[-2:])
        for _ in range(len(curve) - n_context):
            generated.append(a * generated[-1] + b * generated[-2])
        errors.append(np.mean((np.array(generated[2:]) - curve[n_context:]) ** 2))
    return float(np.mean(errors))


def sine_argvs(config, runs):
    variants = {
        f"{model}-{seed}": ["--task", "1", *flags, "--seed", str(seed)]
        for model, flags in SINE_MODELS.items()
        for seed in config["seeds"]
    }
    return with_outputs(runs, "sine", variants, config["sine_flags"])


def sine_report(config, metrics, argvs, out):
    """Question 2c: generated-part MSE per model, and the models' curves against the truth."""
    results, generated = {}, {}
    seed = config["seeds"][0]
    test = SineDataset(100, seed=seed + 1)
    for model_name in SINE_MODELS:
        runs = [metrics[f"sine-{model_name}-{s}"] for s in config["seeds"]]
        results[model_name] = {
            **summary([m["test_mse"] for m in runs]),
            "num_parameters": runs[0]["num_parameters"],
            "wall_seconds": statistics.fmean(m["wall_seconds"] for m in runs),
        }
        argv = argvs[f"sine-{model_name}-{seed}"]
        model = build_model(main.parse_args(argv), 1, 1)
        results[model_name]["hidden"] = model.hidden_size
        if runs[0]["status"] == "complete":
            model.load_state_dict(torch.load(Path(argv[argv.index("--out") + 1]) / "weights.pt"))
            n_generated = test.curves.shape[1] - N_CONTEXT
            generated[model_name] = generate(model, test.curves[:3, :N_CONTEXT, None], n_generated)
    fig = Figure(figsize=(9, 6.5))
    axes = fig.subplots(3, 1, sharex=True)
    steps = np.arange(test.curves.shape[1])
    for k, ax in enumerate(axes):
        ax.plot(steps, test.curves[k], color="0.6", lw=3, label="truth")
        ax.axvspan(-0.5, N_CONTEXT - 0.5, color="0.92", label="context (30 true samples)")
        for j, (model_name, curves) in enumerate(generated.items()):
            label = f"{model_name} ({results[model_name]['num_parameters']} parameters)"
            ax.plot(steps[N_CONTEXT:], curves[k, :, 0], color=f"C{j}", lw=1.3, label=label)
        ax.set_ylim(-1.7, 1.7)
    axes[0].legend(fontsize=7, ncol=3, loc="lower left")
    axes[0].set_title(f"Sine extrapolation, test curves 1-3 (seed {seed})")
    axes[-1].set_xlabel("time step")
    fig.tight_layout()
    save_figure(fig, out / "sine_models.png", dpi=110)
    return results


def memory_argvs(config, runs):
    variants = {
        f"{cell}-{blanks}-{seed}": [
            *f"--task 2 {flags} --blank-len {blanks} --seed {seed}".split(),
            *config["memory_flags"],
        ]
        for cell, flags in MEMORY_MODELS.items()
        for blanks in config["memory_blanks"]
        for seed in config["seeds"]
    }
    default = {cell: f"--task 2 {flags}".split() for cell, flags in MEMORY_MODELS.items()}
    return {
        **with_outputs(runs, "memory-default", default, config["memory_default_flags"]),
        **with_outputs(runs, "memory", variants, []),
    }


def memory_report(config, metrics, out):
    """Question 2e: copy-task accuracy against the blank separation length, over seeds."""
    blanks, seeds = config["memory_blanks"], config["seeds"]
    results = {}
    for cell in MEMORY_MODELS:
        runs = {b: [metrics[f"memory-{cell}-{b}-{s}"] for s in seeds] for b in blanks}
        results[cell] = {
            "num_parameters": runs[blanks[0]][0]["num_parameters"],
            "hidden_size": runs[blanks[0]][0]["hidden_size"],
            "test_accuracy": {
                str(b): summary([m["test_accuracy"] for m in runs[b]]) for b in blanks
            },
            "wall_seconds": {
                str(b): statistics.fmean(m["wall_seconds"] for m in runs[b]) for b in blanks
            },
        }
    memory_figure(results, blanks, len(seeds), config["memory_flags"], out)
    default = {
        cell: {key: metrics[f"memory-default-{cell}"][key] for key in DEFAULT_KEYS}
        for cell in MEMORY_MODELS
    }
    return {"capacity": results, "default_setting": default}


def memory_figure(results, blanks, n_seeds, flags, out):
    """Mean accuracy per cell against the blank length, the band from the worst to the best seed."""
    fig = Figure(figsize=(7, 4.6))
    ax = fig.subplots()
    for j, (cell, r) in enumerate(results.items()):
        accuracy = (r["test_accuracy"][str(b)]["values"] for b in blanks)
        finished = [[v for v in values if v is not None] or [np.nan] for values in accuracy]
        label = f"{cell} (hidden {r['hidden_size']}, {r['num_parameters']} parameters)"
        ax.plot(blanks, [np.mean(v) for v in finished], "o-", color=f"C{j}", label=label)
        low, high = [min(v) for v in finished], [max(v) for v in finished]
        ax.fill_between(blanks, low, high, color=f"C{j}", alpha=0.2, lw=0)
    ax.axhline(CHANCE, color="0.5", ls="--", lw=1, label="chance (1/8)")
    ax.set_xscale("log")
    ax.set_xticks(blanks, [str(b) for b in blanks])
    ax.set(
        xlabel="blanks between the symbols and the delimiter",
        ylabel="test accuracy in the recall window",
        ylim=(0, 1.05),
    )
    subtitle = (
        f"mean over {n_seeds} seeds, band from the worst to the best seed; both cells "
        f"with main.py's defaults and {' '.join(flags)}"
    )
    ax.set_title(
        "\n".join(["Copy task: how far back each cell remembers", *wrap(subtitle, 80)]), fontsize=10
    )
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    save_figure(fig, out / "memory_capacity.png", dpi=110)


def ablated(config, base):
    """The run on the first seed that the ablation of run-name prefix ``base`` changes."""
    return f"{base.format(largest=config['memory_blanks'][-1])}-{config['seeds'][0]}"


def ablation_argvs(config, runs, argvs):
    """Each ablation: the command of its run on the first seed, with its flags added."""
    variants = {}
    for k, (base, extra) in enumerate(ABLATIONS.values()):
        command = argvs[ablated(config, base)]
        command = command[: command.index("--out")]
        # "--no-curriculum" takes the place of "--curriculum" instead of following it.
        kept = [flag for flag in command if f"--no-{flag[2:]}" not in extra]
        variants[f"{k}"] = [*kept, *extra]
    return with_outputs(runs, "ablation", variants, [])


def ablation_report(config, metrics):
    """Each ablation's test figure beside that of the run it takes an aid away from."""
    results = {}
    for k, (name, (base, _)) in enumerate(ABLATIONS.items()):
        pair = metrics[ablated(config, base)], metrics[f"ablation-{k}"]
        key = "test_mse" if base.startswith("sine") else "test_accuracy"
        results[name] = {
            "figure": key,
            "with_the_aid": pair[0][key],
            "without": pair[1][key],
            "seconds": [m["wall_seconds"] for m in pair],
        }
    return results


def table(title, header, rows):
    """A markdown section: a heading and a table."""
    lines = ["", f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(map(str, row)) + " |" for row in rows]


def markdown(results, argvs):
    """The results table of the README."""
    lines = [
        "# Results",
        "",
        f"Machine: {results['versions']['machine']}; "
        f"full run {results['wall_seconds'] / 60:.1f} min with {results['jobs']} worker(s).",
    ]
    lines += table(
        "Exploding gradients (1c/d)",
        ["cell", "mean abs gradient at T = 1", "at T = max", "at T = max, clipped"],
        [
            (
                name,
                f"{r['at_T1']:.2e}",
                f"{r['at_Tmax']:.2e} (T = {r['T']})",
                f"{r['clipped_at_Tmax']:.2e}",
            )
            for name, r in results["exploding"].items()
        ],
    )
    lines += table(
        "Memorization: random against identity W_hh against the LSTM, and the course's "
        "recipe (1e/f)",
        [
            "length, cell",
            "T",
            "hidden",
            "training",
            "test accuracy (mean ± std over seeds)",
            "per seed",
            "seconds per run",
        ],
        [
            (
                name,
                r["T"],
                r["hidden"],
                f"{r['steps']} {r['optimizer']} steps of {r['batch_size']}",
                mean_std(r, ".2%"),
                cells(r["values"], ".2%"),
                f"{r['wall_seconds']:.0f}",
            )
            for name, r in results["memorize"].items()
        ],
    )
    lines += table(
        "Sine extrapolation (2c)",
        [
            "model",
            "hidden",
            "parameters",
            "MSE of the 100 generated steps (mean ± std)",
            "per seed",
            "seconds per run",
        ],
        [
            (
                name,
                r["hidden"],
                r["num_parameters"],
                mean_std(r, ".4f"),
                cells(r["values"], ".4f"),
                f"{r['wall_seconds']:.0f}",
            )
            for name, r in results["sine"].items()
        ],
    )
    lines += [
        "",
        "The classical solution on the first seed's test curves: a least-squares AR(2) "
        "fit to each curve's 30 context samples extrapolates with an MSE of "
        f"{results['sine_ar2_mse']:.1e}.",
    ]
    lines += table(
        "Copy task, the default setting: 8 symbols, 5 blanks, main.py's defaults (2e)",
        ["cell", "hidden", "parameters", "test accuracy", "seconds"],
        [
            (
                cell,
                r["hidden_size"],
                r["num_parameters"],
                cells([r["test_accuracy"]], ".2%"),
                f"{r['wall_seconds']:.0f}",
            )
            for cell, r in results["memory"]["default_setting"].items()
        ],
    )
    capacity = results["memory"]["capacity"]
    blanks = list(capacity["LSTM"]["test_accuracy"])
    lines += table(
        "Copy task against the blank separation length (2e): mean ± std over seeds",
        ["cell", "hidden", "parameters", *(f"{b} blanks" for b in blanks)],
        [
            (
                cell,
                r["hidden_size"],
                r["num_parameters"],
                *(mean_std(a, ".1%") for a in r["test_accuracy"].values()),
            )
            for cell, r in capacity.items()
        ],
    )
    lines += table(
        "Copy task against the blank separation length (2e): per seed, seconds per run",
        ["cell", "blanks", "test accuracy per seed", "seconds per run"],
        [
            (cell, b, cells(a["values"], ".1%"), f"{r['wall_seconds'][b]:.0f}")
            for cell, r in capacity.items()
            for b, a in r["test_accuracy"].items()
        ],
    )
    lines += table(
        f"Ablations: seed {results['seeds'][0]}, one aid of the defaults taken away",
        ["run", "test figure", "with the aid", "without", "seconds with, without"],
        [
            (
                name,
                r["figure"],
                *(
                    cells([r[k]], ".4f" if r["figure"] == "test_mse" else ".2%")
                    for k in ("with_the_aid", "without")
                ),
                ", ".join(f"{t:.0f}" for t in r["seconds"]),
            )
            for name, r in results["ablations"].items()
        ],
    )
    lines += ["", "## Commands", "", "Every training run, reproducible one by one:", ""]
    lines += [f"- `python main.py {' '.join(a[: a.index('--out')])}`" for a in argvs.values()]
    return "\n".join(lines) + "\n"


def parse_args():
    parser = argparse.ArgumentParser(description="Rerun every experiment of the README.")
    parser.add_argument(
        "--quick", action="store_true", help="tiny settings: checks that everything runs"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("docs"),
        help="folder for figures and tables (default docs)",
    )
    parser.add_argument(
        "--redraw",
        action="store_true",
        help="train nothing: draw the figures and tables again from the runs in DIR/runs",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=2,
        choices=range(1, 65),
        metavar="N",
        help="training runs in parallel, one thread each (default 2)",
    )
    return parser.parse_args()


def experiments(quick, out, jobs, redraw=False):
    """Run every experiment, draw the figures and write ``results.json`` and ``results.md``.

    With ``redraw`` nothing trains: the figures and tables are drawn again from the runs
    already in ``out/runs``, and keep the time and workers of the run that made them.
    """
    config = QUICK if quick else FULL
    started = time.perf_counter()
    runs = out / "runs"
    argvs = {
        **memorize_argvs(config, runs),
        **sine_argvs(config, runs),
        **memory_argvs(config, runs),
    }
    argvs.update(ablation_argvs(config, runs, argvs))
    out.mkdir(parents=True, exist_ok=True)
    results = {"exploding": exploding(config["exploding"], out)}
    if redraw:
        made = json.loads((out / "results.json").read_text())
        timing = {"jobs": made["jobs"], "wall_seconds": made["wall_seconds"]}
        metrics = {name: read_metrics(argv) for name, argv in argvs.items()}
    else:
        shutil.rmtree(runs, ignore_errors=True)
        runs.mkdir(parents=True)
        # Last listed, first run: the longest delays are listed last, and started
        # first the workers finish at about the same time.
        names = list(reversed(argvs))
        metrics = dict(zip(names, run_all(jobs, [argvs[name] for name in names]), strict=True))
        timing = {"jobs": jobs, "wall_seconds": time.perf_counter() - started}
    results["memorize"] = memorize_report(config, metrics, out)
    results["sine"] = sine_report(config, metrics, argvs, out)
    results["sine_ar2_mse"] = ar2_mse(SineDataset(100, seed=config["seeds"][0] + 1).curves)
    results["memory"] = memory_report(config, metrics, out)
    results["ablations"] = ablation_report(config, metrics)
    results.update(timing, seeds=config["seeds"], versions=versions(), quick=quick)
    write_json(out / "results.json", results)
    (out / "results.md").write_text(markdown(results, argvs))
    print(f"results in {out / 'results.md'} ({results['wall_seconds'] / 60:.1f} min)")
    return results


if __name__ == "__main__":
    arguments = parse_args()
    experiments(arguments.quick, arguments.out, arguments.jobs, arguments.redraw)
