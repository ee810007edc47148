"""examples/transformer_lm.py and examples/serve.py, run as a user runs them.

Train in --quick mode, resume half-way and check the resumed run equals the uninterrupted
one, then serve the exported program in a fresh process that never imports the model.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys

import jax
import numpy as np
import pytest

import namedtensor as nt

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
STEPS = 30  # the --quick default


def run(script, *args):
    """Run ``script`` (a path, or a file name in examples/) and return its stdout.

    ``-W error``: the suite's rule that a warning is a failure holds in the subprocess too.
    """
    done = subprocess.run([sys.executable, "-W", "error", os.path.join(EXAMPLES, script), *args],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{script} {' '.join(args)} failed:\n{done.stderr[-4000:]}"
    return done.stdout


def losses(stdout):
    """``{step: loss}`` from the progress lines."""
    return {int(s): float(v) for s, v in re.findall(r"step +(\d+)/\d+ +loss (\S+)", stdout)}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("lm"))
    return out, run("transformer_lm.py", "--quick", "--out", out, "--log-every", "1")


def test_quick_run_learns_checkpoints_and_exports(trained):
    out, stdout = trained
    logged = losses(stdout)
    assert sorted(logged) == list(range(1, STEPS + 1))
    first, last = logged[1], np.mean([logged[s] for s in range(STEPS - 4, STEPS + 1)])
    assert last < first - 0.5, (first, last)
    assert "unigram entropy" in stdout
    ckpt = os.path.join(out, f"ckpt_{STEPS:06d}.safetensors")
    assert nt.load_metadata(ckpt)["step"] == str(STEPS)
    assert {"sample_step.ntexport", "vocab.json"} <= set(os.listdir(out))


def test_resume_continues_exactly(trained, tmp_path):
    out, stdout = trained
    half = str(tmp_path)
    first = run("transformer_lm.py", "--quick", "--out", half, "--steps", str(STEPS // 2),
                "--log-every", "1", "--no-export")
    second = run("transformer_lm.py", "--quick", "--out", half, "--resume",
                 "--log-every", "1", "--no-export")
    assert f"resumed from step {STEPS // 2}" in second
    assert {**losses(first), **losses(second)} == losses(stdout)  # printed to 6 decimals

    name = f"ckpt_{STEPS:06d}.safetensors"  # parameters and adam's state, bit for bit
    whole, resumed = nt.load(os.path.join(out, name)), nt.load(os.path.join(half, name))
    assert jax.tree.structure(whole) == jax.tree.structure(resumed)
    for a, b in zip(jax.tree.leaves(whole), jax.tree.leaves(resumed), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_serve_generates_from_the_export_alone(trained, tmp_path):
    out, _ = trained
    serve = str(tmp_path / "serve.py")  # alone in its folder: the model's code is not importable
    shutil.copy(os.path.join(EXAMPLES, "serve.py"), serve)
    args = (serve, "--out", out, "--prompt", "Return the", "--tokens", "40")
    sampled = run(*args, "--samples", "2", "--seed", "1")
    texts = samples(sampled)
    assert len(texts) == 2 and texts[0] != texts[1]
    assert all(t.startswith("Return the") and len(t) == len("Return the") + 40 for t in texts)
    assert run(*args, "--samples", "2", "--seed", "1") == sampled  # a seed fixes the sample
    (greedy,) = samples(run(*args, "--greedy"))
    assert greedy.startswith("Return the") and len(greedy) == len("Return the") + 40


def samples(stdout):
    """The texts serve.py printed, each after its ``--- sample i (...) ---`` line."""
    return [chunk[:-1] for chunk in re.split(r"^--- sample \d+ \(.*\) ---\n", stdout,
                                             flags=re.M)[1:]]


def test_interface_in_process():
    """The names other examples and the benchmark import, with the documented shapes."""
    spec = importlib.util.spec_from_file_location("transformer_lm",
                                                  os.path.join(EXAMPLES, "transformer_lm.py"))
    lm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lm)
    cfg = lm.Config(vocab=11, d=8, heads=2, d_head=4, ff=16, layers=2, seq=6, batch=3)
    params = lm.init_params(nt.random.key(0), cfg)
    assert params["layers"][1]["wq"].sizes == {"d": 8, "heads": 2, "d_head": 4}
    assert params["layers"][0]["wo"].sizes == {"heads": 2, "d_head": 4, "d": 8}
    ids = nt.random.randint(nt.random.key(1), {"batch": 3, "seq": 6}, 0, 11)
    forward = nt.jit(lambda p, i: lm.forward(p, i, cfg))  # one compilation, not one per op
    logits = forward(params, ids)
    assert logits.sizes == {"batch": 3, "seq": 6, "vocab": 11}
    # causal: changing the last position's input leaves every earlier logit unchanged
    changed = nt.where(nt.arange("seq", 6) == 5, (ids + 1) % 11, ids).align_to(*ids.names)
    np.testing.assert_allclose(logits[{"seq": slice(0, 5)}].align_to(*logits.names).numpy(),
                               forward(params, changed)[{"seq": slice(0, 5)}]
                               .align_to(*logits.names).numpy(), rtol=1e-6, atol=1e-7)
    loss = lm.loss_fn(params, ids, ids, cfg)
    assert loss.names == () and abs(float(loss) - np.log(11)) < 0.1  # small init: near uniform
