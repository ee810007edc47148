"""The examples run: each in ``--quick`` mode, as its own process, the way a user runs it.

Each example asserts what it shows (the CNN's loss falls, the conversions share memory, the
sharded step equals one device); here it must exit 0 and print its result lines. A fresh
interpreter per example also gives ``sharded_step.py`` its eight CPU devices, which JAX
fixes when it starts. ``-W error`` keeps the suite's rule that a warning is a failure.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300  # seconds per example; each takes 2-20 s on a 2-core CPU

# example -> fragments its output must contain
EXPECTED = {
    "cnn_digits.py": ["epoch   1/2", "loss ", "test accuracy ", "held-out digits",
                      "cnn_digits_predictions.png"],
    "numpy_and_xarray.py": ["a read-only view of the same buffer (np.shares_memory: True)",
                            "the same buffer again (np.shares_memory: True)",
                            "share a's memory (np.shares_memory: True)",
                            "stays on the numpy backend",
                            "names={'lat-deg': 'lat'}", "equal to the original by name",
                            "all conversions checked"],
    "sharded_step.py": ["mesh {'data': 4, 'model': 2} over 8 cpu devices",
                        "{'heads': 'model'}", "{'ff': 'model'}",
                        "the updated w1 stays split: 8 shards",
                        "sgd: loss and updated params after 3 steps",
                        "equal to one device (rtol=1e-05, atol=1e-06)"],
}
# example -> files it must write into --out
WRITES = {"cnn_digits.py": ["cnn_digits_predictions.png"]}
PNG = b"\x89PNG\r\n\x1a\n"


def run_example(name, out):
    """``python -W error examples/NAME --quick --out OUT`` from the repository root."""
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}  # each sets its own
    env.update(JAX_PLATFORMS="cpu", MPLBACKEND="Agg")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-W", "error", str(ROOT / "examples" / name), "--quick",
         "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, (f"{name} exited {done.returncode}\n"
                                  f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}")
    return done.stdout, time.perf_counter() - started


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_quick(name, tmp_path):
    stdout, seconds = run_example(name, tmp_path)
    for fragment in EXPECTED[name]:
        assert fragment in stdout, f"{name}: {fragment!r} not in its output:\n{stdout}"
    for file in WRITES.get(name, []):
        assert (tmp_path / file).read_bytes()[:8] == PNG, f"{name} did not write {file}"
    print(f"{name} --quick: {seconds:.1f} s")
