"""experiments.py --quick: every experiment runs end to end on tiny settings."""

import json

import experiments


def test_quick_experiments_write_every_figure_and_table(tmp_path):
    results = experiments.experiments(quick=True, out=tmp_path, jobs=2)
    for name in ("exploding_gradients", "memorization_init", "sine_models", "memory_capacity"):
        assert (tmp_path / f"{name}.png").stat().st_size > 0
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["quick"] and set(saved["sine"]) == {
        "RNN",
        "RNN-matched",
        "LSTM",
        "LSTM-teacher-forced",
    }
    assert (
        set(saved["memory"]["capacity"])
        == set(saved["memory"]["default_setting"])
        == {
            "RNN-matched",
            "LSTM",
        }
    )
    assert list(results["memorize"]) == [
        *(f"L = {L}, {cell}" for L in (2, 13) for cell in experiments.MEMORIZE_CELLS),
        "L = 13, course recipe",
        "L = 13, course recipe, Adam",
    ]
    course = results["memorize"]["L = 13, course recipe"]
    assert (course["optimizer"], course["batch_size"]) == ("sgd", 1)
    assert set(results["exploding"]) == {
        "random W_hh",
        "identity W_hh",
        "LSTM",
        "LSTM, forget-gate bias 3",
    }
    assert "python main.py --task 0 --RNN LSTM --seed 1" in (tmp_path / "results.md").read_text()
    table = (tmp_path / "results.md").read_text()
    assert "## Copy task" in table
    assert "python main.py --task 1 --RNN RNN --match-params --seed 1" in table
    capacity = saved["memory"]["capacity"]["LSTM"]["test_accuracy"]
    assert set(capacity) == {"1", "2"} and all(len(a["values"]) == 2 for a in capacity.values())
    assert "--blank-len 2 --seed 1 --curriculum" in table
    assert len(results["ablations"]) == len(experiments.ABLATIONS)
    assert (
        "--blank-len 2 --seed 0 --to-remember-len 2 --epochs 1 --hidden 6 --train-size 64 "
        "--no-curriculum`" in table
    )
    # --redraw trains nothing: the same tables from the same runs, the first run's time kept.
    for png in tmp_path.glob("*.png"):
        png.unlink()
    redrawn = experiments.experiments(quick=True, out=tmp_path, jobs=1, redraw=True)
    assert redrawn == results and (tmp_path / "memorization_init.png").exists()
