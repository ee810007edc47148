"""Checkpoints and exported programs: throughput, peak memory, export latency.

- Save and load of a 1 GiB tree of float32 tensors: ``nt.save``/``nt.load`` against
  ``safetensors.numpy`` directly and ``np.save``/``np.load`` (samples interleaved, the
  files on tmpfs where there is one, so the libraries are measured and not the disk).
- Peak RSS while loading, in a fresh process per reader: the peak resident memory over
  the process' baseline, as a multiple of the data size (target: at most 1.2×).
- Export: time to export, save and load an ``nt.export`` program, and the first-call
  latency of the loaded program against the first call of the original ``nt.jit``.

Writes the "io" section of RESULTS.md. ``BENCH_QUICK=1`` uses a 64 MiB tree.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import safetensors.numpy

import namedtensor as nt
from _harness import QUICK, fmt, write_section

GIB = 2**30
TOTAL = 64 * 2**20 if QUICK else GIB
TENSORS = 16  # 64 MiB each for the 1 GiB tree
REPEAT = 3 if QUICK else 7


def _tree(backend):
    side = int((TOTAL // TENSORS // 4) ** 0.5)
    rng = np.random.default_rng(0)
    block = rng.standard_normal((side, side)).astype(np.float32)
    return {f"layer{i}": {"w": nt.tensor(block + i, "d_in d_out", backend=backend)}
            for i in range(TENSORS)}, side


def _interleaved(variants, repeat):
    """Median seconds per variant, samples interleaved A B C A B C ..."""
    samples = {name: [] for name in variants}
    for _ in range(repeat):
        for name, fn in variants.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) for name, times in samples.items()}


def throughput(folder):
    tree, side = _tree("numpy")
    arrays = {f"{k}.w": v["w"].data for k, v in tree.items()}
    nbytes = sum(a.nbytes for a in arrays.values())
    ours, theirs = os.path.join(folder, "nt.safetensors"), os.path.join(folder, "st.safetensors")
    npdir = os.path.join(folder, "npy")
    os.makedirs(npdir, exist_ok=True)

    def np_save():
        for k, a in arrays.items():
            np.save(os.path.join(npdir, k + ".npy"), a)

    def np_load():
        return {k: np.load(os.path.join(npdir, k + ".npy")) for k in arrays}

    saves = _interleaved({
        "nt.save": lambda: nt.save(ours, tree),
        "safetensors.numpy.save_file": lambda: safetensors.numpy.save_file(arrays, theirs),
        "np.save": np_save,
    }, REPEAT)
    loads = _interleaved({
        "nt.load (numpy backend)": lambda: nt.load(ours, backend="numpy"),
        "nt.load (jax backend)": lambda: nt.load(ours),
        "safetensors.numpy.load_file": lambda: safetensors.numpy.load_file(theirs),
        "np.load": np_load,
    }, REPEAT)
    rows = []
    for kind, table, base in (("save", saves, "safetensors.numpy.save_file"),
                              ("load", loads, "safetensors.numpy.load_file")):
        for name, seconds in table.items():
            rows.append(f"| {kind} | {name} | {fmt(seconds)} | {nbytes / seconds / GIB:.2f} GiB/s "
                        f"| {seconds / table[base]:.2f}× |")
    return nbytes, side, saves, loads, rows


_PEAK = """
import json, os, sys
mode, path = sys.argv[1], sys.argv[2]
import numpy as np, jax, safetensors.numpy, namedtensor as nt
def status(field):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith(field + ":"))
jax.numpy.zeros(1).block_until_ready()  # start the runtime before the baseline
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak (VmHWM) to the current RSS: imports do not count
before = status("VmRSS")
if mode == "safetensors.numpy.load_file":
    out = safetensors.numpy.load_file(path)
elif mode == "nt.load (numpy backend)":
    out = nt.load(path, backend="numpy")
else:
    out = nt.load(path)
    jax.block_until_ready(out)
peak = status("VmHWM")
print(json.dumps({"before": before, "peak": peak}))
"""


def peak_rss(folder, nbytes):
    """Peak RSS growth while loading, in a fresh process, as a multiple of the data size."""
    path = os.path.join(folder, "nt.safetensors")
    out = {}
    for mode in ("nt.load (numpy backend)", "nt.load (jax backend)",
                 "safetensors.numpy.load_file"):
        done = subprocess.run([sys.executable, "-c", _PEAK, mode, path], capture_output=True,
                              text=True, check=True, env={**os.environ, "JAX_PLATFORMS": "cpu"})
        r = json.loads(done.stdout.strip().splitlines()[-1])
        out[mode] = (r["peak"] - r["before"]) / nbytes
    return out


_MLP = """
import numpy as np
import namedtensor as nt
d, h = 256, 512
rng = np.random.default_rng(0)
w1 = nt.tensor(rng.standard_normal((d, h)).astype(np.float32), "d h")
w2 = nt.tensor(rng.standard_normal((h, d)).astype(np.float32), "h d'")
x = nt.tensor(rng.standard_normal((64, d)).astype(np.float32), "batch d")

def mlp(x, w1, w2):
    return nt.einsum("batch h, h d' -> batch d'", nt.tanh(nt.dot(x, w1, over="d")), w2)
"""

_FIRST_CALL = """
import sys, time
start = time.perf_counter()
import jax
exec(MLP)
ready = time.perf_counter()
if sys.argv[1] == "jit":
    f = nt.jit(mlp)
else:
    f = nt.load_exported(sys.argv[2])
loaded = time.perf_counter()
jax.block_until_ready(f(x, w1, w2))
first = time.perf_counter()
jax.block_until_ready(f(x, w1, w2))
second = time.perf_counter()
print(loaded - ready, first - loaded, second - first)
"""


def _fresh(*argv):
    """``(load, first call, second call)`` seconds, measured in a fresh process."""
    done = subprocess.run([sys.executable, "-c", f"MLP = {_MLP!r}\n" + _FIRST_CALL, *argv],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "JAX_PLATFORMS": "cpu"})
    return tuple(map(float, done.stdout.split()))


def export_latency(folder):
    """Export, save and load times of a small named MLP, and the first call of the loaded
    program against the first call of ``nt.jit`` of its source, each in a fresh process."""
    scope = {}
    exec(_MLP, scope)
    path = os.path.join(folder, "mlp.ntexport")
    times = {}
    start = time.perf_counter()
    exported = nt.export(scope["mlp"], nt.TensorSpec({"batch": None, "d": 256}), scope["w1"],
                         scope["w2"])
    times["nt.export (trace, lower; symbolic batch)"] = time.perf_counter() - start
    start = time.perf_counter()
    exported.save(path)
    times["Exported.save"] = time.perf_counter() - start
    jit, loaded = [], []
    for _ in range(REPEAT):  # interleaved, each in a fresh process
        jit.append(_fresh("jit"))
        loaded.append(_fresh("exported", path))
    median = lambda rows, i: statistics.median(r[i] for r in rows)  # noqa: E731
    times["nt.load_exported (fresh process)"] = median(loaded, 0)
    times["nt.jit: first call (trace, compile, run; fresh process)"] = median(jit, 1)
    times["loaded program: first call (compile, run; fresh process)"] = median(loaded, 1)
    times["nt.jit: second call"] = median(jit, 2)
    times["loaded program: second call"] = median(loaded, 2)
    return times


def main():
    # on tmpfs where there is one: this disk's write-back noise (2-3x between runs of the
    # same call) would drown the differences between the libraries
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    folder = tempfile.mkdtemp(prefix="nt-io-bench-", dir=shm)
    try:
        nbytes, side, saves, loads, rows = throughput(folder)
        peaks = peak_rss(folder, nbytes)
        latency = export_latency(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    size = f"{nbytes / GIB:.2f} GiB" if nbytes >= GIB / 2 else f"{nbytes / 2**20:.0f} MiB"
    where = "tmpfs" if folder.startswith("/dev/shm") else "disk"
    safetensors_save = saves["safetensors.numpy.save_file"]
    safetensors_load = loads["safetensors.numpy.load_file"]
    loaded_first = latency["loaded program: first call (compile, run; fresh process)"]
    jit_first = latency["nt.jit: first call (trace, compile, run; fresh process)"]
    text = [
        "## Checkpoints and exported programs", "",
        f"### Save and load: {TENSORS} float32 tensors of {side}×{side} ({size}), median of "
        f"{REPEAT} interleaved runs, files on {where}", "",
        "| | variant | median | throughput | ratio vs safetensors.numpy |",
        "|---|---|---|---|---|", *rows, "",
        "### Peak RSS while loading (fresh process; growth over its baseline / data size)", "",
        "| reader | peak RSS / data |", "|---|---|",
        *[f"| {mode} | {ratio:.2f}× |" for mode, ratio in peaks.items()], "",
        "### Export (a 2-layer named MLP, d=256, h=512, batch 64)", "",
        "| step | time |", "|---|---|",
        *[f"| {step} | {fmt(seconds)} |" for step, seconds in latency.items()], "",
        f"- nt.save / safetensors.numpy: **{saves['nt.save'] / safetensors_save:.2f}×**; "
        f"nt.load (numpy) / safetensors.numpy: "
        f"**{loads['nt.load (numpy backend)'] / safetensors_load:.2f}×**; "
        f"nt.load (jax) / safetensors.numpy: "
        f"**{loads['nt.load (jax backend)'] / safetensors_load:.2f}×** (target ≤ 1.2×)",
        f"- peak RSS of nt.load: **{peaks['nt.load (numpy backend)']:.2f}×** (numpy), "
        f"**{peaks['nt.load (jax backend)']:.2f}×** (jax) of the data (target ≤ 1.2×)",
        f"- first call of a loaded program / first call of nt.jit (fresh processes): "
        f"**{loaded_first / jit_first:.2f}×**",
    ]
    print("\n".join(text))
    write_section("io", "\n".join(text))


if __name__ == "__main__":
    main()
