"""The talk's benchmark: an LSTM and an MI-LSTM (multiplicative integration), written
with named axes, eager vs compiled, against the same math in raw JAX and PyTorch.

Sizes as in the talk: input 128, hidden 256, sequence 64, batch 32, float32.
Forward, and forward+backward (gradient of the summed final hidden state with
respect to the weights). Every variant is checked against raw JAX before timing.

Two cell styles: the gates taken apart with one ``unstack`` (LSTM, MI-LSTM), and the
gates selected one by one with index slices (``g[{"gate": k}]`` against ``g[:, k*H:(k+1)*H]``),
as users often write them. The PyTorch rows (eager, TorchScript, ``torch.compile``) run
the LSTM and the MI-LSTM; ``torch.compile`` compiles with an empty cache.

Run: ``python benchmarks/lstm.py`` (``make bench`` runs it with the ``bench`` extra:
PyTorch rows are skipped with a message when torch is absent). ``--compile-time``: only
the trace+compile study; ``--no-torch-compile``: no ``torch.compile`` rows (its compile
takes about a minute).
"""

import functools
import os
import sys
import tempfile
import time

import jax
import jax.numpy as jnp
import numpy as np

import namedtensor as nt
from _harness import HERE, QUICK, Table, fmt, pyplot, write_section
from namedtensor.grad import grad

INPUT, HIDDEN, SEQ, BATCH = 128, 256, (16 if QUICK else 64), 32
BASELINE = "raw jax.jit + lax.scan"


# --- the named cells ----------------------------------------------------------------
def _projections(p, h, x):
    wx = nt.einsum("batch input, input gate hidden -> batch gate hidden", x, p["w_ih"])
    uh = nt.einsum("batch hid, hid gate hidden -> batch gate hidden",
                   h.rename(hidden="hid"), p["w_hh"])
    return wx, uh


def _update(gates, c):
    i, f, g, o = gates.unstack("gate")
    c = nt.sigmoid(f) * c + nt.sigmoid(i) * nt.tanh(g)
    return nt.sigmoid(o) * nt.tanh(c), c


def lstm_cell(p, h, c, x):
    wx, uh = _projections(p, h, x)
    return _update(wx + uh + p["b"], c)


def lstm_cell_indexed(p, h, c, x):
    # the gates selected one by one with index slices
    wx, uh = _projections(p, h, x)
    gates = wx + uh + p["b"]
    i, f, g, o = (gates[{"gate": k}] for k in range(4))
    c = nt.sigmoid(f) * c + nt.sigmoid(i) * nt.tanh(g)
    return nt.sigmoid(o) * nt.tanh(c), c


def mi_lstm_cell(p, h, c, x):
    # The result's layout follows the first operand: lead with wx (batch gate hidden), not
    # with alpha (gate hidden), or every step works on transposed data (2x slower here).
    wx, uh = _projections(p, h, x)
    return _update(wx * uh * p["alpha"] + wx * p["beta1"] + uh * p["beta2"] + p["b"], c)


def run_loop(cell, p, xs):
    h = c = nt.zeros({"batch": BATCH, "hidden": HIDDEN})
    for t in range(xs.sizes["seq"]):
        h, c = cell(p, h, c, xs[{"seq": t}])
    return h


def run_scan(cell, p, xs):
    h = c = nt.zeros({"batch": BATCH, "hidden": HIDDEN})
    (h, c), _ = nt.scan(lambda hc, x: (cell(p, *hc, x), None), (h, c), xs, over="seq")
    return h


# --- the same math in raw JAX (positional) ------------------------------------------------
def raw_cell(mi, indexed=False):
    def cell(p, h, c, x):
        wx, uh = x @ p["w_ih"], h @ p["w_hh"]
        gates = (p["alpha"] * wx * uh + p["beta1"] * wx + p["beta2"] * uh if mi else wx + uh) \
            + p["b"]
        if indexed:
            i, f, g, o = (gates[:, k * HIDDEN:(k + 1) * HIDDEN] for k in range(4))
        else:
            i, f, g, o = jnp.split(gates, 4, axis=1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        return jax.nn.sigmoid(o) * jnp.tanh(c), c
    return cell


def raw_scan(cell, p, xs):
    h = c = jnp.zeros((BATCH, HIDDEN), jnp.float32)
    (h, c), _ = jax.lax.scan(lambda hc, x: (cell(p, *hc, x), None), (h, c), xs)
    return h


def raw_loop(cell, p, xs):
    h = c = jnp.zeros((BATCH, HIDDEN), jnp.float32)
    for t in range(xs.shape[0]):
        h, c = cell(p, h, c, xs[t])
    return h


# --- PyTorch --------------------------------------------------------------------------
def torch_variants(mi, raw_params, xs, with_compile):
    """``(torch, {label: fn}, params, args)`` for PyTorch eager, TorchScript and (with
    ``with_compile``) ``torch.compile``, or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    tp = {k: torch.tensor(np.asarray(v), requires_grad=True) for k, v in raw_params.items()}
    txs = torch.tensor(np.asarray(xs))

    def lstm(xs, w_ih, w_hh, b, alpha, beta1, beta2, mi: bool):
        h = torch.zeros(xs.size(1), w_hh.size(0))
        c = torch.zeros(xs.size(1), w_hh.size(0))
        for t in range(xs.size(0)):
            wx = xs[t] @ w_ih
            uh = h @ w_hh
            if mi:
                gates = alpha * wx * uh + beta1 * wx + beta2 * uh + b
            else:
                gates = wx + uh + b
            i, f, g, o = gates.chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        return h

    fns = {"torch eager": lstm}
    try:
        fns["torch.jit.script"] = torch.jit.script(lstm)
    except Exception as e:  # TorchScript is deprecated; report rather than fail
        print(f"  (TorchScript unavailable: {type(e).__name__}: {e})")
    if with_compile:
        torch._dynamo.reset()  # nothing compiled before: the first call compiles
        fns["torch.compile"] = torch.compile(lstm)
    args = lambda: (txs, tp["w_ih"], tp["w_hh"], tp["b"], tp["alpha"], tp["beta1"],  # noqa: E731
                    tp["beta2"], mi)
    return torch, fns, tp, args


def torch_runs(torch, fn, tp, args):
    """The forward (no grad) and forward+backward runs of one PyTorch variant."""
    def forward():
        with torch.no_grad():
            return fn(*args()).numpy()

    def backward():
        for v in tp.values():
            v.grad = None
        fn(*args()).sum().backward()
        return tp["w_ih"].grad.numpy()
    return forward, backward


def params(key):
    ks = nt.random.split(key, 7)
    scale = 1 / np.sqrt(HIDDEN)
    named = {
        "w_ih": nt.random.uniform(ks[0], {"input": INPUT, "gate": 4, "hidden": HIDDEN},
                                  -scale, scale),
        "w_hh": nt.random.uniform(ks[1], {"hid": HIDDEN, "gate": 4, "hidden": HIDDEN},
                                  -scale, scale),
        "b": nt.random.uniform(ks[2], {"gate": 4, "hidden": HIDDEN}, -scale, scale),
        "alpha": nt.random.uniform(ks[3], {"gate": 4, "hidden": HIDDEN}, 0.5, 1.5),
        "beta1": nt.random.uniform(ks[4], {"gate": 4, "hidden": HIDDEN}, 0.5, 1.5),
        "beta2": nt.random.uniform(ks[5], {"gate": 4, "hidden": HIDDEN}, 0.5, 1.5),
    }
    xs = nt.random.normal(ks[6], {"seq": SEQ, "batch": BATCH, "input": INPUT})
    raw = {k: jnp.reshape(v.data, (v.shape[0], -1)) if k in ("w_ih", "w_hh") else
           jnp.reshape(v.data, (-1,)) for k, v in named.items()}
    return named, raw, xs


def _timed_first(run):
    """``run()`` once, waited for, and its seconds: a first call, compilation included."""
    start = time.perf_counter()
    out = jax.block_until_ready(run())
    return out, time.perf_counter() - start


def study(model, cell, mi, indexed, named, raw, xs, pytorch):
    """Tables (forward, forward+backward) of every variant of one model, and the seconds
    of each variant's first call. ``pytorch``: None (no PyTorch rows), or whether to add
    ``torch.compile``."""
    rcell = raw_cell(mi, indexed)
    runs = {
        "forward": {
            "namedtensor eager (loop)": lambda: run_loop(cell, named, xs),
            "nt.jit (loop)": functools.partial(nt.jit(lambda p: run_loop(cell, p, xs)), named),
            "nt.jit + nt.scan": functools.partial(nt.jit(lambda p: run_scan(cell, p, xs)), named),
            "raw jax eager (loop)": lambda: raw_loop(rcell, raw, xs.data),
            "raw jax.jit (loop)": functools.partial(
                jax.jit(lambda p: raw_loop(rcell, p, xs.data)), raw),
            BASELINE: functools.partial(jax.jit(lambda p: raw_scan(rcell, p, xs.data)), raw),
        },
        "forward+backward": {
            "namedtensor eager (loop)": functools.partial(
                grad(lambda p: run_loop(cell, p, xs).sum()), named),
            "nt.jit (loop)": functools.partial(
                nt.jit(grad(lambda p: run_loop(cell, p, xs).sum())), named),
            "nt.jit + nt.scan": functools.partial(
                nt.jit(grad(lambda p: run_scan(cell, p, xs).sum())), named),
            "raw jax eager (loop)": functools.partial(
                jax.grad(lambda p: raw_loop(rcell, p, xs.data).sum()), raw),
            "raw jax.jit (loop)": functools.partial(
                jax.jit(jax.grad(lambda p: raw_loop(rcell, p, xs.data).sum())), raw),
            BASELINE: functools.partial(
                jax.jit(jax.grad(lambda p: raw_scan(rcell, p, xs.data).sum())), raw),
        },
    }
    torch_rows = None if pytorch is None else torch_variants(mi, raw, xs.data, pytorch)
    if pytorch is not None and torch_rows is None:
        print("  (torch not installed: PyTorch rows skipped; `pip install -e .[bench]`)")
    if torch_rows:
        torch, fns, tp, args = torch_rows
        for label, fn in fns.items():
            runs["forward"][label], runs["forward+backward"][label] = \
                torch_runs(torch, fn, tp, args)

    # same numbers first; each variant's first call is timed (its compilation included)
    first = {pass_name: {} for pass_name in runs}
    want_h, first["forward"][BASELINE] = _timed_first(runs["forward"][BASELINE])
    want_h = np.asarray(want_h).reshape(BATCH, HIDDEN)
    want_g, first["forward+backward"][BASELINE] = _timed_first(runs["forward+backward"][BASELINE])
    for pass_name, variants in runs.items():
        for label, run in variants.items():
            if label == BASELINE:
                continue
            out, first[pass_name][label] = _timed_first(run)
            if pass_name == "forward+backward":
                _grads_close(out, want_g, label)
                continue
            if isinstance(out, nt.NamedTensor):
                assert set(out.names) == {"batch", "hidden"}, (label, out.names)
                out = out.align_to("batch", "hidden").numpy()
            np.testing.assert_allclose(np.asarray(out), want_h, rtol=1e-4, atol=1e-5,
                                       err_msg=label)
    print(f"  {model}: every variant computes the same h and the same gradients")

    tables = {}
    for pass_name, variants in runs.items():
        table = Table(f"{model}, {pass_name} (batch {BATCH}, seq {SEQ}, input {INPUT}, "
                      f"hidden {HIDDEN}, float32)", BASELINE)
        # samples interleaved across variants: a burst of noise lands on all of them alike
        eager = {k: f for k, f in variants.items() if "eager (loop)" in k}
        compiled = {k: f for k, f in variants.items() if k not in eager}
        table.compare(model, compiled, warmup=3, repeat=12 if QUICK else 60)
        table.compare(model, eager, warmup=2,
                      repeat=30 if pass_name == "forward" else 15)
        tables[pass_name] = table
    return tables, first


def _grads_close(got, want, label):
    """Gradients of one variant against raw JAX's: a dict of NamedTensors (named), a dict
    of arrays (raw JAX), or the ``w_ih`` gradient as an array (PyTorch)."""
    if not isinstance(got, dict):
        got = {"w_ih": got}
    for k, g in got.items():
        g = g.numpy() if isinstance(g, nt.NamedTensor) else np.asarray(g)
        np.testing.assert_allclose(g, np.asarray(want[k]).reshape(g.shape), rtol=2e-3,
                                   atol=2e-4, err_msg=f"{label}: {k}")


def compile_times(model, cell, mi, named, raw, xs):
    """Trace+compile time of nt.jit + nt.scan against raw jax.jit + lax.scan, forward and
    forward+backward: a fresh function per sample (no cache), samples interleaved."""
    rcell = raw_cell(mi)
    def named_loss(p):
        return run_scan(cell, p, xs).sum()

    def raw_loss(p):
        return raw_scan(rcell, p, xs.data).sum()

    makers = {
        "forward": (lambda: nt.jit(lambda p: run_scan(cell, p, xs)),
                    lambda: jax.jit(lambda p: raw_scan(rcell, p, xs.data))),
        "forward+backward": (lambda: nt.jit(grad(lambda p: named_loss(p))),
                             lambda: jax.jit(jax.grad(lambda p: raw_loss(p)))),
    }
    lines = [f"Trace+compile time, {model} (`f.lower(args).compile()` of a fresh function; "
             f"median of {2 if QUICK else 7} interleaved samples):", "",
             "| pass | nt.jit + nt.scan | raw jax.jit + lax.scan | named / raw |",
             "|---|---|---|---|"]
    for pass_name, (named_fn, raw_fn) in makers.items():
        times = {"named": [], "raw": []}
        for _ in range(2 if QUICK else 7):
            for label, make, args in (("named", named_fn, named), ("raw", raw_fn, raw)):
                f = make()
                start = time.perf_counter()
                f.lower(args).compile()
                times[label].append(time.perf_counter() - start)
        a, b = (float(np.median(times[k])) for k in ("named", "raw"))
        lines.append(f"| {pass_name} | {a * 1e3:.0f} ms | {b * 1e3:.0f} ms | {a / b:.2f}× |")
        print(f"  {model} {pass_name} trace+compile: named {a * 1e3:.0f} ms, raw {b * 1e3:.0f} ms"
              f" ({a / b:.2f}×)")
    return "\n".join(lines) + "\n"


# the eager targets: named eager / raw JAX eager, by pass
EAGER_TARGETS = {"forward": 1.1, "forward+backward": 1.2}


def summary(model, tables):
    lines = [f"**{model}**"]
    for pass_name, t in tables.items():
        get = {v: r.median for c, v, r in t.rows}
        base = get[BASELINE]
        eager = get["namedtensor eager (loop)"] / get["raw jax eager (loop)"]
        parts = [f"named eager / raw jax eager = **{eager:.2f}×** (target ≤ "
                 f"{EAGER_TARGETS[pass_name]})",
                 f"nt.jit+scan / raw jax.jit+lax.scan = {get['nt.jit + nt.scan'] / base:.2f}×",
                 f"nt.jit(loop) / raw jax.jit(loop) = "
                 f"{get['nt.jit (loop)'] / get['raw jax.jit (loop)']:.2f}×",
                 f"eager / nt.jit+scan = "
                 f"{get['namedtensor eager (loop)'] / get['nt.jit + nt.scan']:.1f}× "
                 f"(compiled speed-up)"]
        for torch_label in ("torch eager", "torch.jit.script", "torch.compile"):
            if torch_label in get:
                parts.append(f"{torch_label} / nt.jit+scan = "
                             f"{get[torch_label] / get['nt.jit + nt.scan']:.2f}×")
        lines.append(f"- {pass_name}: " + "; ".join(parts))
    return "\n".join(lines)


def first_calls(studies):
    """The compiled variants' first calls (compilation included) beside their later calls."""
    labels = ["nt.jit + nt.scan", BASELINE, "torch.jit.script", "torch.compile"]
    lines = ["### Compiling: first call against later calls", "",
             "The first call of each compiled variant in this process (trace and compile "
             "included; `torch.compile` with an empty inductor cache; its forward+backward "
             "compiles again, for gradients), and the median of later calls.", "",
             "| model | variant | forward: first call | later | forward+backward: first call "
             "| later |", "|---|---|---|---|---|---|"]
    for model, (tables, first) in studies.items():
        medians = {p: {v: r.median for _, v, r in t.rows} for p, t in tables.items()}
        for label in labels:
            if label not in first["forward"]:
                continue
            cells = [f"{fmt(first[p][label])} | {fmt(medians[p][label])}"
                     for p in ("forward", "forward+backward")]
            lines.append(f"| {model} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(all_tables, path):
    plt = pyplot()
    if plt is None:
        return None
    import matplotlib.ticker
    fig, axes = plt.subplots(len(all_tables), 2, figsize=(12, 4.2 * len(all_tables)), squeeze=False)
    for row, (model, tables) in enumerate(all_tables.items()):
        for col, (pass_name, table) in enumerate(tables.items()):
            ax = axes[row][col]
            labels = [v for _, v, _ in table.rows]
            medians = [r.median * 1e3 for _, _, r in table.rows]
            errs = [[(r.median - r.min) * 1e3 for _, _, r in table.rows],
                    [(r.max - r.median) * 1e3 for _, _, r in table.rows]]
            colors = ["#4c72b0" if "nt" in v or "named" in v else
                      "#dd8452" if "torch" in v else "#55a868" for v in labels]
            ax.barh(labels, medians, xerr=errs, color=colors)
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
            ax.set_xlabel("ms per sequence (median, min–max), log scale")
            ax.set_title(f"{model}: {pass_name}")
            for y, m in enumerate(medians):
                ax.text(m, y, f" {m:.1f}", va="center", fontsize=8)
    fig.suptitle(f"Named LSTM benchmark — batch {BATCH}, seq {SEQ}, input {INPUT}, hidden {HIDDEN}"
                 " (blue: namedtensor, green: raw JAX, orange: PyTorch)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


# model: (cell, multiplicative integration, gates by index slices, PyTorch rows)
MODELS = {
    "LSTM": (lstm_cell, False, False, True),
    "LSTM, index slices": (lstm_cell_indexed, False, True, False),
    "MI-LSTM": (mi_lstm_cell, True, False, True),
}


def main(torch_compile=True):
    # an empty inductor cache, so that torch.compile's first call is a cold compile
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", tempfile.mkdtemp(prefix="inductor-"))
    named, raw, xs = params(nt.random.key(0))
    studies, text = {}, ["## The talk's benchmark: named LSTM and MI-LSTM\n"]
    for model, (cell, mi, indexed, pytorch) in MODELS.items():
        tables, first = study(model, cell, mi, indexed, named, raw, xs,
                              torch_compile if pytorch else None)
        studies[model] = tables, first
        text += [t.markdown() for t in tables.values()] + [summary(model, tables), ""]
        print(summary(model, tables))
    text.append(first_calls(studies))
    png = plot({m: tables for m, (tables, _) in studies.items()}, os.path.join(HERE, "lstm.png"))
    if png:
        text.append("![LSTM benchmark](lstm.png)\n")
    write_section("lstm", "\n".join(text))
    compile_section(named, raw, xs)


def compile_section(named, raw, xs):
    text = ["## Trace and compile time: named LSTM against raw JAX\n"]
    for model, cell, mi in (("LSTM", lstm_cell, False), ("MI-LSTM", mi_lstm_cell, True)):
        text.append(compile_times(model, cell, mi, named, raw, xs))
    write_section("lstm_compile", "\n".join(text))


if __name__ == "__main__":
    if sys.argv[1:] == ["--compile-time"]:  # only the trace+compile study (no torch rows)
        compile_section(*params(nt.random.key(0)))
    else:
        main(torch_compile="--no-torch-compile" not in sys.argv[1:])
