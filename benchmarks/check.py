"""nt.check against tracing and against a real first step. Run: ``python benchmarks/check.py``.

The step: a 12-layer named transformer (d=64, heads=4 of 16, ff=256, seq=32, batch=4),
its loss and ``nt.value_and_grad``, and an SGD update. Timed, samples interleaved:

- ``nt.check(step, params, batch)`` on TensorSpecs (an abstract run, computing nothing);
- ``jax.jit(step).trace(params, batch)``: JAX's own tracing of the same named step, the
  floor an abstract run can reach (target: nt.check within 1.1× of it);
- ``nt.jit(step)(params, batch)``, the real first step: trace, compile and run, blocked
  until ready (what a check saves you from waiting for before an error shows).

Each sample uses a fresh function object, so no sample reuses JAX's caches of an earlier
one (the library's own plan caches stay warm, as they are in a real session).
Writes the "check" section of RESULTS.md. ``BENCH_QUICK=1`` takes fewer samples.
"""

import gc
import statistics
import time

import jax

import namedtensor as nt
from _harness import QUICK, fmt, write_section

LAYERS, D, HEADS, HEAD, FF, SEQ, BATCH = 12, 64, 4, 16, 256, 32, 4
ROUNDS = 3 if QUICK else 7  # each: one real step, and SAMPLES checks and traces
SAMPLES = 4


def _layer_sizes():
    return {"ln1": {"d": D}, "ln2": {"d": D},
            "wq": {"d": D, "heads": HEADS, "k": HEAD}, "wk": {"d": D, "heads": HEADS, "k": HEAD},
            "wv": {"d": D, "heads": HEADS, "k": HEAD}, "wo": {"heads": HEADS, "k": HEAD, "d": D},
            "w1": {"d": D, "ff": FF}, "w2": {"ff": FF, "d": D}}


def _norm(x, scale):
    mean = x.mean("d")
    return (x - mean) * nt.rsqrt(x.var("d") + 1e-5) * scale


def _attention(x, p):
    q = nt.dot(x, p["wq"], over="d")
    k = nt.dot(x, p["wk"], over="d").rename({"seq": "seq'"})
    v = nt.dot(x, p["wv"], over="d").rename({"seq": "seq'"})
    scores = nt.einsum("batch seq heads k, batch seq' heads k -> batch heads seq seq'", q, k)
    weights = nt.softmax(scores / HEAD ** 0.5, "seq'")
    mixed = nt.einsum("batch heads seq seq', batch seq' heads k -> batch seq heads k",
                      weights, v)
    return nt.dot(mixed, p["wo"], over=("heads", "k"))


def _block(x, p):
    x = x + _attention(_norm(x, p["ln1"]), p)
    return x + nt.dot(nt.gelu(nt.dot(_norm(x, p["ln2"]), p["w1"], over="d")), p["w2"],
                      over="ff")


def _loss(params, batch):
    x = batch["x"]
    for p in params:
        x = _block(x, p)
    return ((x - batch["y"]) ** 2).mean()


def step(params, batch):
    loss, grads = nt.value_and_grad(_loss)(params, batch)
    return loss, jax.tree_util.tree_map(lambda p, g: p - 0.01 * g, params, grads,
                                        is_leaf=lambda t: isinstance(t, nt.NamedTensor))


def _inputs():
    key = nt.random.key(0)
    params = []
    for _ in range(LAYERS):
        layer = {}
        for name, sizes in _layer_sizes().items():
            key, sub = nt.random.split(key)
            layer[name] = nt.random.normal(sub, sizes) * 0.05 + (1.0 if name[:2] == "ln" else 0)
        params.append(layer)
    batch = {"x": nt.random.normal(nt.random.key(1), {"batch": BATCH, "seq": SEQ, "d": D}),
             "y": nt.random.normal(nt.random.key(2), {"batch": BATCH, "seq": SEQ, "d": D})}
    return params, batch


def _spec(tree):
    return jax.tree_util.tree_map(lambda t: nt.TensorSpec(t.sizes, t.dtype), tree,
                                  is_leaf=lambda t: isinstance(t, nt.NamedTensor))


def _fresh():
    """The step as a new function object: no JAX cache keyed on the function applies."""
    return lambda params, batch: step(params, batch)


def main():
    params, batch = _inputs()
    specs = (_spec(params), _spec(batch))
    expected = nt.check(step, *specs)
    real_loss, _ = nt.jit(step)(params, batch)
    assert expected[0] == nt.TensorSpec({}) and expected[1] == specs[0]
    variants = {
        "nt.check (abstract)": lambda: nt.check(_fresh(), *specs),
        "jax.jit(step).trace": lambda: jax.jit(_fresh()).trace(params, batch),
        "nt.jit(step)(...) first step": lambda: jax.block_until_ready(
            nt.jit(_fresh())(params, batch)),
    }
    for fn in variants.values():  # warm: imports, the library's plan caches
        fn()
    samples = {v: [] for v in variants}
    quick, slow = list(variants)[:2], list(variants)[2]
    for _ in range(ROUNDS):
        for i in range(SAMPLES):  # check and trace alternate, each first half the time
            for v in (quick if i % 2 == 0 else quick[::-1]):
                gc.collect()  # the previous sample's garbage is not this one's cost
                start = time.perf_counter()
                variants[v]()
                samples[v].append(time.perf_counter() - start)
        gc.collect()
        start = time.perf_counter()
        variants[slow]()
        samples[slow].append(time.perf_counter() - start)
    median = {v: statistics.median(t) for v, t in samples.items()}
    base = median["jax.jit(step).trace"]
    print(f"loss of the real step: {float(real_loss):.4f}")
    rows = ["| variant | median | min–max | samples | ratio vs jax.jit trace |",
            "|---|---|---|---|---|"]
    for v, t in samples.items():
        rows.append(f"| {v} | {fmt(median[v])} | {fmt(min(t))}–{fmt(max(t))} | {len(t)} "
                    f"| {median[v] / base:.2f}× |")
        print(f"  {v:<32} median {fmt(median[v])} ({len(t)} samples)")
    check = median["nt.check (abstract)"]
    first = median["nt.jit(step)(...) first step"]
    fastest = min(samples["nt.check (abstract)"]) / min(samples["jax.jit(step).trace"])
    summary = (f"nt.check / jax.jit(step).trace: **{check / base:.2f}×** (target ≤ 1.1; "
               f"fastest samples: {fastest:.2f}×); "
               f"nt.check / real first step: **{check / first:.3f}×** "
               f"(the check is {first / check:.0f}× faster than finding the error by running)")
    print(summary)
    text = (f"## nt.check: a 12-layer transformer's training step\n\n"
            f"{LAYERS} layers, d={D}, heads={HEADS}×{HEAD}, ff={FF}, seq={SEQ}, batch={BATCH}; "
            f"loss, `nt.value_and_grad` and an SGD update. Samples interleaved, each with a "
            f"fresh function object (no JAX cache reused).\n\n" + "\n".join(rows) +
            f"\n\n{summary}\n")
    write_section("check", text)


if __name__ == "__main__":
    main()
