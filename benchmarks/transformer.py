"""The transformer LM's training step (examples/transformer_lm.py) in four versions:
namedtensor under ``nt.jit``, the same math in raw JAX, PyTorch eager and ``torch.compile``.

Every version starts from the same parameters (the named ones, converted to arrays in a
fixed axis order) and takes the same step: mean cross-entropy, its gradient, and plain
SGD (``p - lr * grad``: ``optax.sgd`` for both JAX versions, ``torch.optim.SGD`` without
momentum for PyTorch), so the optimizer costs the same everywhere. The losses of two
consecutive steps agree to 1e-5 before anything is timed.

Reported:
- step time: samples interleaved across the four versions, medians, ratios from one run;
- compile time: trace+compile of a fresh function (``f.lower(args).compile()``) for the
  two JAX versions, interleaved samples in this process; and the first call of each
  version in a fresh process (for ``torch.compile`` that is its compilation);
- memory: in each of those fresh processes, the resident set before the first call, and
  the high-water mark of the resident set during the first call and during later steps
  (Linux ``VmHWM``, reset through ``/proc/self/clear_refs`` between phases).

Run: ``python benchmarks/transformer.py`` (``BENCH_QUICK=1`` for a smoke run; PyTorch rows
are skipped with a message when torch is absent).
"""

import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import types

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples"))
QUICK = os.environ.get("BENCH_QUICK") == "1"

# A config for this 2-core CPU: the example's model, batch 16 instead of 32.
SIZES = dict(vocab=96, d=128, heads=4, d_head=32, ff=512, layers=4, seq=64, batch=16, lr=3e-3)
if QUICK:
    SIZES.update(d=64, heads=2, d_head=32, ff=128, layers=2, seq=32, batch=4)
NAMED, RAW, EAGER, COMPILED = "nt.jit", "raw jax.jit", "torch eager", "torch.compile"
WARM = "torch.compile, warm cache"  # its first call again, with the inductor cache filled
ROUNDS = 2 if QUICK else 3  # fresh processes per version, for the first call and memory
BASELINE = RAW

# The fixed axis order in which the named parameters become arrays.
ORDER = {"tok": ("vocab", "d"), "pos": ("seq", "d"), "lnf_scale": ("d",), "lnf_bias": ("d",),
         "ln1_scale": ("d",), "ln1_bias": ("d",), "ln2_scale": ("d",), "ln2_bias": ("d",),
         "wq": ("d", "heads", "d_head"), "wk": ("d", "heads", "d_head"),
         "wv": ("d", "heads", "d_head"), "wo": ("heads", "d_head", "d"),
         "w1": ("d", "ff"), "b1": ("ff",), "w2": ("ff", "d"), "b2": ("d",)}
LAYER_KEYS = ("ln1_scale", "ln1_bias", "wq", "wk", "wv", "wo", "ln2_scale", "ln2_bias",
              "w1", "b1", "w2", "b2")


# --- the same parameters, as NumPy arrays in a fixed axis order -----------------------------
def flat_arrays(params):
    """``{"tok": array, "layers.0.wq": array, ...}`` from the named parameter tree."""
    out = {k: params[k].align_to(*ORDER[k]).numpy() for k in ("tok", "pos", "lnf_scale",
                                                              "lnf_bias")}
    for i, layer in enumerate(params["layers"]):
        out.update({f"layers.{i}.{k}": layer[k].align_to(*ORDER[k]).numpy() for k in LAYER_KEYS})
    return out


def tree(flat, wrap):
    """The parameter tree again, each array passed through ``wrap(array, axis_names)``."""
    layers = sorted({int(k.split(".")[1]) for k in flat if k.startswith("layers.")})
    out = {k: wrap(flat[k], ORDER[k]) for k in ("tok", "pos", "lnf_scale", "lnf_bias")}
    out["layers"] = [{k: wrap(flat[f"layers.{i}.{k}"], ORDER[k]) for k in LAYER_KEYS}
                     for i in layers]
    return out


def make_data(cfg):
    """The example's initial parameters as arrays (fixed axis order), and a batch of tokens."""
    import transformer_lm as lm

    import namedtensor as nt
    params = lm.init_params(nt.random.key(0), cfg)
    tokens = np.random.default_rng(1).integers(0, cfg.vocab, (cfg.batch, cfg.seq + 1))
    flat = flat_arrays(params)
    flat["ids"], flat["targets"] = tokens[:, :-1].astype(np.int32), tokens[:, 1:].astype(np.int32)
    return flat


# --- the four training steps ------------------------------------------------------------------
# Each builder returns (make, state, args): ``make()`` is a fresh, not yet compiled step;
# ``step(*state, *args)`` returns ``(*state, loss)``, and the caller threads the state as a
# training loop does (PyTorch's state is the parameters, updated in place).
def named_step(cfg, flat):
    import optax
    import transformer_lm as lm

    import namedtensor as nt
    params = tree(flat, lambda a, names: nt.tensor(a, names))
    opt = optax.sgd(cfg.lr)
    ids, targets = (nt.tensor(flat[k], ("batch", "seq")) for k in ("ids", "targets"))
    return lambda: lm.make_train_step(cfg, opt), (params, opt.init(params)), (ids, targets)


def raw_step(cfg, flat):
    import jax
    import jax.numpy as jnp
    import optax

    def layer_norm(x, scale, bias):
        mean = x.mean(-1, keepdims=True)
        var = jnp.square(x - mean).mean(-1, keepdims=True)
        return (x - mean) / jnp.sqrt(var + 1e-5) * scale + bias

    def forward(p, ids):
        x = p["tok"][ids] + p["pos"]
        causal = jnp.arange(cfg.seq)[:, None] >= jnp.arange(cfg.seq)[None, :]
        for w in p["layers"]:
            h = layer_norm(x, w["ln1_scale"], w["ln1_bias"])
            q, k, v = (jnp.einsum("bsd,dhk->bshk", h, w[n]) for n in ("wq", "wk", "wv"))
            scores = jnp.einsum("bshk,bthk->bhst", q, k) / math.sqrt(cfg.d_head)
            attn = jax.nn.softmax(jnp.where(causal, scores, -1e9), axis=-1)
            o = jnp.einsum("bhst,bthk->bshk", attn, v)
            x = x + jnp.einsum("bshk,hkd->bsd", o, w["wo"])
            h = layer_norm(x, w["ln2_scale"], w["ln2_bias"])
            x = x + jax.nn.gelu(h @ w["w1"] + w["b1"], approximate=False) @ w["w2"] + w["b2"]
        x = layer_norm(x, p["lnf_scale"], p["lnf_bias"])
        return x @ p["tok"].T

    def loss_fn(p, ids, targets):
        logp = jax.nn.log_softmax(forward(p, ids), axis=-1)
        return -jnp.take_along_axis(logp, targets[..., None], axis=-1).mean()

    opt = optax.sgd(cfg.lr)

    def make():
        @jax.jit
        def step(p, opt_state, ids, targets):
            loss, grads = jax.value_and_grad(loss_fn)(p, ids, targets)
            updates, opt_state = opt.update(grads, opt_state, p)
            return optax.apply_updates(p, updates), opt_state, loss
        return step

    params = tree(flat, lambda a, names: jnp.asarray(a))
    return make, (params, opt.init(params)), (jnp.asarray(flat["ids"]),
                                               jnp.asarray(flat["targets"]))


def torch_step(cfg, flat, compiled):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(os.cpu_count() or 1)
    params = tree(flat, lambda a, names: torch.tensor(a, requires_grad=True))
    leaves = [params[k] for k in ("tok", "pos", "lnf_scale", "lnf_bias")] + \
        [w[k] for w in params["layers"] for k in LAYER_KEYS]
    causal = torch.ones(cfg.seq, cfg.seq, dtype=torch.bool).tril()

    def layer_norm(x, scale, bias):
        mean = x.mean(-1, keepdim=True)
        var = (x - mean).square().mean(-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + 1e-5) * scale + bias

    def forward(p, ids):
        x = p["tok"][ids] + p["pos"]
        for w in p["layers"]:
            h = layer_norm(x, w["ln1_scale"], w["ln1_bias"])
            q, k, v = (torch.einsum("bsd,dhk->bshk", h, w[n]) for n in ("wq", "wk", "wv"))
            scores = torch.einsum("bshk,bthk->bhst", q, k) / math.sqrt(cfg.d_head)
            attn = torch.where(causal, scores, -1e9).softmax(-1)
            o = torch.einsum("bhst,bthk->bshk", attn, v)
            x = x + torch.einsum("bshk,hkd->bsd", o, w["wo"])
            h = layer_norm(x, w["ln2_scale"], w["ln2_bias"])
            x = x + F.gelu(h @ w["w1"] + w["b1"]) @ w["w2"] + w["b2"]
        x = layer_norm(x, p["lnf_scale"], p["lnf_bias"])
        return x @ p["tok"].T

    def make():
        opt = torch.optim.SGD(leaves, lr=cfg.lr)  # no momentum: p - lr * grad

        def step(ids, targets):
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(forward(params, ids).flatten(0, 1), targets.flatten())
            loss.backward()
            opt.step()
            return (loss.detach(),)  # no state to thread: the parameters change in place
        return torch.compile(step) if compiled else step

    ids, targets = (torch.tensor(flat[k], dtype=torch.int64) for k in ("ids", "targets"))
    return make, (), (ids, targets)


def build(variant, cfg, flat):
    """(make, state, args) for one variant: ``make()`` is a fresh (uncompiled) step."""
    if variant == NAMED:
        return named_step(cfg, flat)
    if variant == RAW:
        return raw_step(cfg, flat)
    return torch_step(cfg, flat, compiled=variant == COMPILED)


def runner(step, state, args):
    """A no-argument step that threads its state; it returns everything it computed."""
    state = list(state)

    def run():
        *state[:], loss = step(*state, *args)
        return state, loss
    return run


def loss_value(out):
    loss = out[1]
    return float(loss.item() if hasattr(loss, "item") else loss)


def has_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


# --- a fresh process per first call: compile time and memory -----------------------------
def _status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024  # kB
    return None


def _reset_peak():
    """Reset VmHWM to the current resident set (Linux >= 4.0); False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def child(variant, path):
    """In a fresh process: the first call's time, and resident memory around it."""
    with np.load(path) as f:
        flat = dict(f)
    cfg = config(variant)
    make, state, args = build(variant, cfg, flat)
    run = runner(make(), state, args)
    before = _status("VmRSS")
    reset = _reset_peak()
    start = time.perf_counter()
    _block(run())
    first = time.perf_counter() - start
    first_peak = _status("VmHWM")
    _reset_peak()
    steps = []
    for _ in range(3 if QUICK else 10):
        start = time.perf_counter()
        _block(run())
        steps.append(time.perf_counter() - start)
    print(json.dumps({"first": first, "before": before, "first_peak": first_peak,
                      "step_peak": _status("VmHWM"), "reset": reset,
                      "step": statistics.median(steps)}))


def _block(out):
    if "jax" not in sys.modules:  # PyTorch on CPU computes synchronously
        return out
    import jax
    jax.block_until_ready([x for x in jax.tree.leaves(out) if isinstance(x, jax.Array)])
    return out


def fresh_processes(variants, path, rounds):
    """``{label: [result, ...]}`` from ``rounds`` rounds of one fresh process per variant.

    ``torch.compile`` runs twice, not ``rounds`` times (a cold compile takes tens of
    seconds): with an empty inductor cache, then again with the cache the first one left
    (what a second run of the same script sees; JAX keeps no compilation cache by default)."""
    results = {v: [] for v in variants}
    if COMPILED in variants:
        results[WARM] = []
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, TORCHINDUCTOR_CACHE_DIR=cache)  # empty until the first compile
        for r in range(rounds):
            for v in variants:
                if v == COMPILED and r > 1:
                    continue
                label = WARM if v == COMPILED and r == 1 else v
                out = subprocess.run([sys.executable, __file__, "--child", v, path], env=env,
                                     capture_output=True, text=True, check=False)
                if out.returncode:
                    raise RuntimeError(f"{label} in a fresh process failed:\n"
                                       f"{out.stderr[-3000:]}")
                results[label].append(json.loads(out.stdout.strip().splitlines()[-1]))
                print(f"  fresh process, {label:<28} first call "
                      f"{results[label][-1]['first']:.2f} s", flush=True)
    return {k: v for k, v in results.items() if v}


# --- the study ---------------------------------------------------------------------------------
def config(variant=NAMED):
    """The example's Config; a plain namespace of the same sizes for the other versions, so
    that a fresh process for them imports neither namedtensor nor the example."""
    if variant != NAMED:
        return types.SimpleNamespace(**SIZES)
    import transformer_lm as lm
    return lm.Config(**SIZES)


def check_losses(builders, variants):
    """The losses of two consecutive steps, equal across versions to 1e-5."""
    losses = {}
    for v in variants:
        make, state, args = builders[v]
        run = runner(make(), state, args)
        losses[v] = [loss_value(run()), loss_value(run())]
    want = losses[RAW]
    for v, got in losses.items():
        np.testing.assert_allclose(got, want, rtol=1e-5, err_msg=f"{v} against {RAW}")
    print("  losses of steps 1 and 2: " + ", ".join(f"{v} {a:.6f} {b:.6f}"
                                                    for v, (a, b) in losses.items()))
    return losses


def compile_times(builders, samples):
    """Trace+compile of a fresh step, named and raw JAX, samples interleaved: the total and
    its phases (trace, lower, XLA compile); and the number of transposes and copies in each
    compiled program (the layouts XLA chose)."""
    phases = ("trace", "lower", "compile")
    times, ops = {v: {p: [] for p in phases} for v in (NAMED, RAW)}, {}
    for _ in range(samples):
        for v in times:
            make, state, args = builders[v]
            step = make()
            t0 = time.perf_counter()
            traced = step.trace(*state, *args)
            t1 = time.perf_counter()
            lowered = traced.lower()
            t2 = time.perf_counter()
            compiled = lowered.compile()
            t3 = time.perf_counter()
            for p, dt in zip(phases, (t1 - t0, t2 - t1, t3 - t2)):
                times[v][p].append(dt)
            hlo = compiled.as_text()
            ops[v] = {op: len(re.findall(rf"[\]}}] {op}\(", hlo)) for op in ("transpose", "copy")}
    total = {v: statistics.median(map(sum, zip(*t.values()))) for v, t in times.items()}
    split = {v: {p: statistics.median(x) for p, x in t.items()} for v, t in times.items()}
    return total, split, ops


def main():
    from _harness import Table, fmt, write_section

    wall, load = time.perf_counter(), [os.getloadavg()[0]]
    cfg = config()
    flat = make_data(cfg)
    variants = [NAMED, RAW] + ([EAGER, COMPILED] if has_torch() else [])
    if not has_torch():
        print("  (torch not installed: PyTorch rows skipped; `pip install -e .[bench]`)")
    builders = {v: build(v, cfg, flat) for v in variants}
    losses = check_losses(builders, variants)

    sizes = ", ".join(f"{k} {v}" for k, v in SIZES.items() if k != "lr")
    table = Table(f"Training step (loss, gradients, SGD update; {sizes}; float32)", BASELINE)
    fns = {}
    for v in variants:
        make, state, args = builders[v]
        fns[v] = runner(make(), state, args)
    table.compare("train step", fns, warmup=3, repeat=40)

    compile_, split, ops = compile_times(builders, 2 if QUICK else 7)
    print(f"  trace+compile: {NAMED} {compile_[NAMED]:.2f} s, {RAW} {compile_[RAW]:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "params.npz")
        np.savez(path, **flat)
        fresh = fresh_processes(variants, path, ROUNDS)

    load.append(os.getloadavg()[0])
    text = report(table, compile_, split, ops, fresh, losses, load, fmt)
    png = plot(table, compile_, fresh, os.path.join(HERE, "transformer.png"))
    if png:
        text += "\n![transformer benchmark](transformer.png)\n"
    minutes = (time.perf_counter() - wall) / 60
    text += f"\n_This run took {minutes:.1f} min._\n"
    write_section("transformer", text)
    print(f"  total {minutes:.1f} min")


def _median(results, key):
    return statistics.median(r[key] for r in results)


def report(table, compile_, split, ops, fresh, losses, load, fmt):
    step = {v: r.median for _, v, r in table.rows}
    first = {v: _median(rs, "first") for v, rs in fresh.items()}
    samples = 2 if QUICK else 7
    lines = ["## Transformer LM: training step, named vs raw JAX vs PyTorch", "",
             "The model of `examples/transformer_lm.py` (pre-LN decoder, exact GELU, tied "
             "embeddings), one training step: the mean cross-entropy, its gradient and a plain "
             "SGD update (`optax.sgd` in both JAX versions, `torch.optim.SGD` without momentum "
             "in PyTorch; plain SGD so that the optimizer costs the same everywhere). All four "
             "start from the example's `init_params`, the raw versions from its arrays in a "
             "fixed axis order; the losses of two consecutive steps agree to 1e-5 (" +
             ", ".join(f"{v} {a:.6f}/{b:.6f}" for v, (a, b) in losses.items()) + "). "
             "Raw JAX is written the usual way, with `jnp.einsum` strings as in Flax's "
             "attention; `torch.compile(step)` is the default mode over the whole step "
             "(Dynamo splits it at `zero_grad` and `backward()`: the forward with its "
             "AOTAutograd backward, and the SGD update, are compiled graphs).", "",
             f"Load average (1 min) {load[0]:.2f} at the start (other work on the machine), "
             f"{load[1]:.2f} at the end (this run's own threads included), on "
             f"{os.cpu_count()} cores.", "",
             table.markdown(),
             "### Compile time", "",
             f"Trace+compile of a fresh step in this process (`f.trace(args).lower().compile()`"
             f", median of {samples} interleaved samples): {NAMED} {compile_[NAMED]:.2f} s, "
             f"{RAW} {compile_[RAW]:.2f} s: **{compile_[NAMED] / compile_[RAW]:.2f}×**. "
             "By phase (trace / lower / XLA compile): " +
             "; ".join(f"{v} " + " / ".join(f"{t * 1e3:.0f} ms" for t in split[v].values())
                       for v in split) + ". The optimized programs differ in layout: " +
             ", ".join(f"{v} has {o['transpose']} transposes and {o['copy']} copies"
                       for v, o in ops.items()) + " (fused or not).", "",
             "### First call and memory, each version in a fresh process", "",
             "First call: the first step of a fresh step function in a fresh process, "
             "compilation included (for `torch.compile` with an empty inductor cache, and "
             "again with the cache that left: a second run of the same script). Later "
             "steps: the median of the next steps in that process, the framework alone. "
             "Memory: the resident set (RSS) just before the first call, and its high-water "
             "mark (Linux `VmHWM`) during the first call and during the later steps, the mark "
             "reset in between (so the steps' peak includes what compilation kept). Each process "
             "imports only its own framework; `torch.compile`'s compile workers are separate "
             "processes and not counted. Medians of "
             f"{ROUNDS} processes per version (one each for `torch.compile` cold and warm).",
             "",
             "| version | first call | later steps | RSS before | peak RSS, first call "
             "| peak RSS, steps | steps' peak − before |", "|---|---|---|---|---|---|---|"]
    mib = 1 / 2 ** 20
    for v, results in fresh.items():
        before, first_peak, step_peak = (_median(results, k) * mib for k in
                                         ("before", "first_peak", "step_peak"))
        lines.append(f"| {v} | {first[v]:.2f} s | {fmt(_median(results, 'step'))} | "
                     f"{before:.0f} MiB | {first_peak:.0f} MiB | {step_peak:.0f} MiB | "
                     f"{step_peak - before:.0f} MiB |")
    if not all(r["reset"] for rs in fresh.values() for r in rs):
        lines.append("\n(VmHWM could not be reset here: the peaks are since process start.)")
    lines += ["", "### Against the targets", "",
              target("step time, nt.jit / raw jax.jit", step[NAMED] / step[RAW], 1.02),
              target("compile time (trace+compile), nt.jit / raw jax.jit",
                     compile_[NAMED] / compile_[RAW], 1.1),
              f"- for reference, the first call in a fresh process, nt.jit / raw jax.jit: "
              f"{first[NAMED] / first[RAW]:.2f}×"]
    if EAGER in step:
        ratio = step[EAGER] / step[NAMED]
        lines += [f"- beat PyTorch eager on step time: torch eager / nt.jit = **{ratio:.2f}×** "
                  f"({'met' if ratio > 1 else 'missed'})",
                  f"- compile time against torch.compile (first call, fresh process): "
                  f"{first[COMPILED]:.1f} s against {first[NAMED]:.1f} s for nt.jit, "
                  f"**{first[COMPILED] / first[NAMED]:.0f}×** longer"
                  + (f" ({first[WARM]:.1f} s with a warm inductor cache)" if WARM in first
                     else "") + "; its steps then take "
                  f"{fmt(step[COMPILED])}, {step[COMPILED] / step[NAMED]:.2f}× nt.jit's"]
    else:
        lines.append("- PyTorch targets: not measured (torch not installed; "
                     "`pip install -e .[bench]`)")
    return "\n".join(lines + notes(step, ops, load)) + "\n"


def notes(step, ops, load):
    """Why, where a comparison came out the way it did (spot checks dated, not re-measured)."""
    out = ["", "Notes:", ""]
    if step[NAMED] < step[RAW] and ops[NAMED]["transpose"] < ops[RAW]["transpose"]:
        out.append(
            "- nt.jit is faster than the raw JAX step: the einsum plans give XLA layouts that "
            f"need {ops[NAMED]['transpose']} transposes where the raw program needs "
            f"{ops[RAW]['transpose']}. The raw step is written as "
            "JAX users write it; a spot check (2026-11-27, one thread) found it no faster with "
            "the projections as reshaped matmuls or attention in (batch, heads, seq, d_head) "
            "layout (200–210 ms against 125 ms for nt.jit).")
    if EAGER in step and step[EAGER] <= step[NAMED]:
        out.append(
            "- PyTorch eager beats nt.jit here"
            + (", and the cause is not names (nt.jit beats the raw JAX step)"
               if step[NAMED] < step[RAW] else "")
            + ": XLA:CPU's kernels are slower than PyTorch's on this CPU. A one-thread spot check "
            "(2026-11-27): a 1024×128 · 128×512 matmul 1.17 ms in XLA against 0.93 ms "
            "in PyTorch, the exact (erf) GELU over 16×64×512 0.74 ms against 0.29 ms, the whole "
            "step 125 ms (nt.jit) against 104 ms (torch eager).")
    if EAGER in step:
        out.append(
            "- PyTorch's OpenMP threads slow down badly when the cores are shared (a step can "
            "take 10–50× longer at a load average above the core count); JAX's thread pool much "
            f"less. This run started at a load average of {load[0]:.2f} on {os.cpu_count()} "
            "cores: compare its torch rows with that in mind.")
    return out if len(out) > 3 else []


def target(what, ratio, limit):
    return f"- {what}: **{ratio:.2f}×** (target ≤ {limit}: {'met' if ratio <= limit else 'missed'})"


def plot(table, compile_, fresh, path):
    from _harness import pyplot
    plt = pyplot()
    if plt is None:
        return None
    import matplotlib.ticker
    colors = {NAMED: "#4c72b0", RAW: "#55a868", EAGER: "#dd8452", COMPILED: "#c44e52",
              WARM: "#e8a0a0"}
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(15, 3.8))
    labels = [v for _, v, _ in table.rows]
    med = [r.median * 1e3 for _, _, r in table.rows]
    errs = [[(r.median - r.min) * 1e3 for _, _, r in table.rows],
            [(r.max - r.median) * 1e3 for _, _, r in table.rows]]
    a.barh(labels, med, xerr=errs, color=[colors[v] for v in labels])
    a.set_xlabel("ms per training step (median, min–max)")
    a.set_title("step time")
    labels = list(fresh)
    first = [_median(fresh[v], "first") for v in labels]
    b.barh(labels, first, color=[colors[v] for v in labels])
    b.set_xscale("log")
    b.set_xlabel("s, first call in a fresh process (log scale)")
    b.set_title(f"compile: in-process trace+compile {NAMED} {compile_[NAMED]:.2f} s, "
                f"raw {compile_[RAW]:.2f} s", fontsize=9)
    peaks = [(_median(fresh[v], "step_peak") - _median(fresh[v], "before")) / 2 ** 20
             for v in labels]
    c.barh(labels, peaks, color=[colors[v] for v in labels])
    c.set_xlabel("MiB, peak RSS during steps − RSS before")
    c.set_title("memory")
    b.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    b.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ends = [r.max * 1e3 for _, _, r in table.rows]  # labels right of the whiskers
    for ax, values, at, unit in ((a, med, ends, "ms"), (b, first, first, "s"),
                                 (c, peaks, peaks, "MiB")):
        for y, (m, x) in enumerate(zip(values, at)):
            ax.text(x, y, f" {m:.3g} {unit}", va="center", fontsize=8)
        ax.set_xlim(right=max(at) * (3 if ax is b else 1.25))
    fig.suptitle("Transformer LM training step — " + ", ".join(
        f"{k} {v}" for k, v in SIZES.items() if k != "lr"), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
    else:
        main()
