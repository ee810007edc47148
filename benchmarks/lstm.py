"""The talk's benchmark: an LSTM and an MI-LSTM (multiplicative integration), written
with named axes, eager vs compiled, against the same math in raw JAX and PyTorch.

Sizes as in the talk: input 128, hidden 256, sequence 64, batch 32, float32.
Forward, and forward+backward (gradient of the summed final hidden state with
respect to the weights). Every variant is checked against raw JAX before timing.

Run: ``python benchmarks/lstm.py`` (``make bench`` runs it with the ``bench`` extra:
PyTorch rows are skipped with a message when torch is absent).
"""

import os
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

import namedtensor as nt
from _harness import HERE, QUICK, Table, write_section
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
def raw_cell(mi):
    def cell(p, h, c, x):
        wx, uh = x @ p["w_ih"], h @ p["w_hh"]
        gates = (p["alpha"] * wx * uh + p["beta1"] * wx + p["beta2"] * uh if mi else wx + uh) \
            + p["b"]
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
def torch_variants(mi, raw_params, xs):
    """(eager fn, scripted fn or None, params as torch tensors, xs), or None without torch."""
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

    try:
        scripted = torch.jit.script(lstm)
    except Exception as e:  # TorchScript is deprecated; report rather than fail
        print(f"  (TorchScript unavailable: {type(e).__name__}: {e})")
        scripted = None
    args = lambda: (txs, tp["w_ih"], tp["w_hh"], tp["b"], tp["alpha"], tp["beta1"],  # noqa: E731
                    tp["beta2"], mi)
    return torch, lstm, scripted, tp, args


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


def _summed(f):
    """The scalar loss ``f(p).sum()`` for one forward variant."""
    return lambda p: f(p).sum()


def _grads_close(named_grads, raw_grads, label):
    for k, g in named_grads.items():
        want = np.asarray(raw_grads[k]).reshape(g.shape)
        np.testing.assert_allclose(g.numpy(), want, rtol=2e-3, atol=2e-4, err_msg=f"{label}: {k}")


def study(model, cell, mi, named, raw, xs):
    rcell = raw_cell(mi)
    variants = {
        "namedtensor eager (loop)": lambda p: run_loop(cell, p, xs),
        "nt.jit (loop)": nt.jit(lambda p: run_loop(cell, p, xs)),
        "nt.jit + nt.scan": nt.jit(lambda p: run_scan(cell, p, xs)),
    }
    raw_variants = {
        "raw jax eager (loop)": lambda p: raw_loop(rcell, p, xs.data),
        "raw jax.jit (loop)": jax.jit(lambda p: raw_loop(rcell, p, xs.data)),
        BASELINE: jax.jit(lambda p: raw_scan(rcell, p, xs.data)),
    }
    losses = {k: _summed(f) for k, f in variants.items()}
    backward = {
        "namedtensor eager (loop)": grad(losses["namedtensor eager (loop)"]),
        "nt.jit (loop)": nt.jit(grad(lambda p: run_loop(cell, p, xs).sum())),
        "nt.jit + nt.scan": nt.jit(grad(lambda p: run_scan(cell, p, xs).sum())),
    }
    raw_backward = {
        "raw jax eager (loop)": jax.grad(lambda p: raw_loop(rcell, p, xs.data).sum()),
        "raw jax.jit (loop)": jax.jit(jax.grad(lambda p: raw_loop(rcell, p, xs.data).sum())),
        BASELINE: jax.jit(jax.grad(lambda p: raw_scan(rcell, p, xs.data).sum())),
    }

    # same numbers first
    want_h = np.asarray(raw_variants[BASELINE](raw)).reshape(BATCH, HIDDEN)
    want_g = raw_backward[BASELINE](raw)
    for label, f in variants.items():
        h = f(named)
        assert set(h.names) == {"batch", "hidden"}, (label, h.names)
        np.testing.assert_allclose(h.align_to("batch", "hidden").numpy(), want_h, rtol=1e-4,
                                   atol=1e-5, err_msg=label)
        _grads_close(backward[label](named), want_g, label)
    np.testing.assert_allclose(np.asarray(raw_variants["raw jax eager (loop)"](raw)), want_h,
                               rtol=1e-4, atol=1e-5)
    torch_rows = torch_variants(mi, raw, xs.data)
    if torch_rows:
        torch, eager, scripted, tp, args = torch_rows
        for label, fn in (("torch eager", eager), ("torch.jit.script", scripted)):
            if fn is None:
                continue
            np.testing.assert_allclose(fn(*args()).detach().numpy(), want_h, rtol=1e-4,
                                       atol=1e-5, err_msg=label)
    print(f"  {model}: every variant computes the same h and the same gradients")

    tables = {}
    for pass_name, named_fns, raw_fns in (("forward", variants, raw_variants),
                                          ("forward+backward", backward, raw_backward)):
        table = Table(f"{model}, {pass_name} (batch {BATCH}, seq {SEQ}, input {INPUT}, "
                      f"hidden {HIDDEN}, float32)", BASELINE)
        fns = {**{k: (lambda f=f: f(raw)) for k, f in raw_fns.items()},
               **{k: (lambda f=f: f(named)) for k, f in named_fns.items()}}
        if torch_rows:
            eager, scripted = torch_rows[1:3]  # `eager` is rebound below; torch, tp, args are not
            for label, fn in (("torch eager", eager), ("torch.jit.script", scripted)):
                if fn is None:
                    continue
                if pass_name == "forward":
                    def run(fn=fn):
                        with torch.no_grad():
                            return fn(*args()).numpy()
                else:
                    def run(fn=fn):
                        for v in tp.values():
                            v.grad = None
                        fn(*args()).sum().backward()
                        return tp["w_ih"].grad.numpy()
                fns[label] = run
        else:
            print("  (torch not installed: PyTorch rows skipped; `pip install -e .[bench]`)")
        # samples interleaved across variants: a burst of noise lands on all of them alike
        eager = {k: f for k, f in fns.items() if "eager (loop)" in k}
        compiled = {k: f for k, f in fns.items() if k not in eager}
        table.compare(model, compiled, warmup=3, repeat=12 if QUICK else 60)
        table.compare(model, eager, warmup=2, repeat=10)
        tables[pass_name] = table
    return tables


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


def summary(model, tables):
    lines = [f"**{model}**"]
    for pass_name, t in tables.items():
        get = {v: r.median for c, v, r in t.rows}
        base = get[BASELINE]
        parts = [f"nt.jit+scan / raw jax.jit+lax.scan = {get['nt.jit + nt.scan'] / base:.2f}×",
                 f"nt.jit(loop) / raw jax.jit(loop) = "
                 f"{get['nt.jit (loop)'] / get['raw jax.jit (loop)']:.2f}×",
                 f"eager / nt.jit+scan = "
                 f"{get['namedtensor eager (loop)'] / get['nt.jit + nt.scan']:.1f}× "
                 f"(compiled speed-up)",
                 f"named eager / raw jax eager = "
                 f"{get['namedtensor eager (loop)'] / get['raw jax eager (loop)']:.2f}×"]
        for torch_label in ("torch eager", "torch.jit.script"):
            if torch_label in get:
                parts.append(f"{torch_label} / nt.jit+scan = "
                             f"{get[torch_label] / get['nt.jit + nt.scan']:.2f}×")
        lines.append(f"- {pass_name}: " + "; ".join(parts))
    return "\n".join(lines)


def plot(all_tables, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (matplotlib not installed: no plot)")
        return None
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
            ax.set_xlabel("ms per sequence (median, min–max), log scale")
            ax.set_title(f"{model}: {pass_name}")
            for y, m in enumerate(medians):
                ax.text(m, y, f" {m:.1f}", va="center", fontsize=8)
    fig.suptitle(f"Named LSTM benchmark — batch {BATCH}, seq {SEQ}, input {INPUT}, hidden {HIDDEN}"
                 " (blue: namedtensor, green: raw JAX, orange: PyTorch)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def main():
    named, raw, xs = params(nt.random.key(0))
    all_tables, text = {}, ["## The talk's benchmark: named LSTM and MI-LSTM\n"]
    for model, cell, mi in (("LSTM", lstm_cell, False), ("MI-LSTM", mi_lstm_cell, True)):
        tables = study(model, cell, mi, named, raw, xs)
        all_tables[model] = tables
        text += [t.markdown() for t in tables.values()] + [summary(model, tables), ""]
        print(summary(model, tables))
    png = plot(all_tables, os.path.join(HERE, "lstm.png"))
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
        main()
