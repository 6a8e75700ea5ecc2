import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def run_main(*args, timeout=300):
    """``python main.py args`` in the project folder; the finished process."""
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def read_metrics(out):
    return json.loads((out / "metrics.json").read_text())
