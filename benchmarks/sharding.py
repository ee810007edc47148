"""Sharding by name: what names cost at trace time, and a data-parallel step on 1-8 devices.

- Trace + compile time of a sharded training step written with ``nt.jit(mesh=, rules=)``
  against the same step written with raw ``jax.sharding`` (``NamedSharding`` and
  ``PartitionSpec`` by position), on a {"data": 4, "model": 2} mesh (target ≤ 1.05×).
- Step time of the data-parallel step on 1, 2, 4 and 8 devices. On a CPU these are
  emulated devices (``--xla_force_host_platform_device_count``) sharing the machine's
  cores: the curve shows that the step runs on every mesh, not how it scales.

Every measurement runs in a fresh process with the device count it needs. Writes the
"sharding" section of RESULTS.md; ``--gpu`` (benchmarks/gpu.sh) uses the GPUs JAX sees
instead of emulated CPU devices, and the harness writes the "sharding_gpu" section, named
after the card. ``BENCH_QUICK=1`` for a smoke run.
"""

import json
import os
import subprocess
import sys

from _harness import QUICK, fmt, write_section

_STEP = r'''
import json, os, sys, statistics, time
import numpy as np
import jax, jax.numpy as jnp
from jax.sharding import NamedSharding, PartitionSpec as P
import namedtensor as nt

config = json.loads(sys.argv[1])
BATCH, D, MLP, REPEAT = config["batch"], config["d"], config["mlp"], config["repeat"]
mesh_axes = config["mesh"]
rng = np.random.default_rng(0)
x_np = rng.standard_normal((BATCH, D)).astype(np.float32)
y_np = rng.standard_normal((BATCH, D)).astype(np.float32)
w1_np = (rng.standard_normal((D, MLP)) / np.sqrt(D)).astype(np.float32)
w2_np = (rng.standard_normal((MLP, D)) / np.sqrt(MLP)).astype(np.float32)
LR = 0.01


def named_loss(p, x, y):
    h = nt.relu(nt.dot(x, p["w1"], over="d"))
    out = nt.dot(h, p["w2"], over="mlp").rename({"d'": "d"})
    return ((out - y) ** 2).mean()


def named_step(p, x, y):
    value, g = nt.grad.value_and_grad(named_loss)(p, x, y)
    return jax.tree_util.tree_map(lambda a, b: a - LR * b, p, g), value


def raw_loss(p, x, y):
    h = jax.nn.relu(x @ p["w1"])
    return jnp.mean((h @ p["w2"] - y) ** 2)


def raw_step(p, x, y):
    value, g = jax.value_and_grad(raw_loss)(p, x, y)
    return jax.tree_util.tree_map(lambda a, b: a - LR * b, p, g), value


import namedtensor.grad  # noqa: E402
mesh = nt.mesh(mesh_axes)
model = "model" if "model" in mesh_axes else None
rules = {"batch": "data", "mlp": model}
params = {"w1": nt.tensor(w1_np, "d mlp"), "w2": nt.tensor(w2_np, "mlp d'")}
x, y = nt.tensor(x_np, "batch d"), nt.tensor(y_np, "batch d")
specs = {"w1": P(None, model), "w2": P(model, None)}
raw_in = (
    {k: NamedSharding(mesh, s) for k, s in specs.items()},
    NamedSharding(mesh, P("data", None)), NamedSharding(mesh, P("data", None)))
raw_out = ({k: NamedSharding(mesh, s) for k, s in specs.items()}, NamedSharding(mesh, P()))
raw_params = {k: jax.device_put(v, raw_in[0][k]) for k, v in (("w1", w1_np), ("w2", w2_np))}
raw_x, raw_y = jax.device_put(x_np, raw_in[1]), jax.device_put(y_np, raw_in[2])
params, x, y = nt.shard((params, x, y), mesh, rules)


def compile_named():
    jax.clear_caches()
    nt.clear_caches()
    start = time.perf_counter()
    nt.jit(named_step, mesh=mesh, rules=rules).lower(params, x, y).compile()
    return time.perf_counter() - start


def compile_raw():
    jax.clear_caches()
    start = time.perf_counter()
    jax.jit(raw_step, in_shardings=raw_in, out_shardings=raw_out).lower(
        raw_params, raw_x, raw_y).compile()
    return time.perf_counter() - start


out = {}
if config["what"] == "compile":
    named, raw = [], []
    for _ in range(REPEAT):  # interleaved
        named.append(compile_named())
        raw.append(compile_raw())
    out = {"named": statistics.median(named), "raw": statistics.median(raw)}
else:
    step = nt.jit(named_step, mesh=mesh, rules=rules)
    p = params
    for _ in range(3):
        p, value = step(p, x, y)
    jax.block_until_ready(p)
    assert dict(p["w1"].sharding_rules) == ({"mlp": "model"} if model else {})
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        p, value = step(p, x, y)
        jax.block_until_ready((p, value))
        times.append(time.perf_counter() - start)
    out = {"step": statistics.median(times), "devices": len(jax.devices()),
           "kind": jax.devices()[0].device_kind}
print(json.dumps(out))
'''


def _run(config, devices=None):
    env = {**os.environ}
    if devices is not None:  # emulated CPU devices
        env["JAX_PLATFORMS"] = "cpu"
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    done = subprocess.run([sys.executable, "-c", _STEP, json.dumps(config)], env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(gpu=False):
    size = dict(batch=256, d=256, mlp=1024) if QUICK else dict(batch=1024, d=512, mlp=2048)
    repeat = 3 if QUICK else 15
    if gpu:
        n = int(subprocess.run([sys.executable, "-c", "import jax; print(len(jax.devices()))"],
                               capture_output=True, text=True, check=True).stdout)
        counts = [c for c in (1, 2, 4, 8) if c <= n and n % c == 0]
        emulate = None
    else:
        counts, emulate = [1, 2, 4, 8], True
    model = 2 if (counts[-1] % 2 == 0 and counts[-1] >= 2) else 1
    mesh = {"data": counts[-1] // model, "model": model} if model > 1 else {"data": counts[-1]}
    compile_times = _run(dict(size, what="compile", mesh=mesh, repeat=3 if QUICK else 7),
                         counts[-1] if emulate else None)
    steps = {}
    for c in counts:
        steps[c] = _run(dict(size, what="step", mesh={"data": c}, repeat=repeat),
                        c if emulate else None)
    kind = steps[counts[-1]]["kind"]
    ratio = compile_times["named"] / compile_times["raw"]
    text = [
        f"## Sharding by name ({'GPU: ' + kind if gpu else 'CPU, emulated devices'})", "",
        f"A named MLP training step (batch {size['batch']}, d {size['d']}, mlp {size['mlp']}; "
        f"SGD), `batch` on `data` and `mlp` on `model`.", "",
        f"### Trace + compile time on mesh {mesh} (median of interleaved runs, caches cleared)",
        "", "| variant | trace + compile | ratio |", "|---|---|---|",
        f"| raw jax.sharding (PartitionSpec by position) | {fmt(compile_times['raw'])} | 1.00× |",
        f"| nt.jit(mesh=, rules=) | {fmt(compile_times['named'])} | {ratio:.2f}× |", "",
        "### Data-parallel step time by device count (mesh {\"data\": n})", "",
        "| devices | step (median) |", "|---|---|",
        *[f"| {c} | {fmt(r['step'])} |" for c, r in steps.items()], "",
        f"- names at trace + compile time: **{ratio:.2f}×** raw jax.sharding (target ≤ 1.05×)",
    ]
    if not gpu:
        text.append("- The devices are emulated on this machine's CPU cores "
                    "(`--xla_force_host_platform_device_count`): the step runs on every mesh; "
                    "the times are a functional curve, not a measure of scaling.")
    print("\n".join(text))
    write_section("sharding", "\n".join(text))


if __name__ == "__main__":
    main(gpu="--gpu" in sys.argv)
