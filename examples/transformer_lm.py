"""A named decoder-only character transformer: train, checkpoint, resume, export.

Run ``python examples/transformer_lm.py`` (full mode: 1500 steps, about 5 minutes on a
2-core CPU) or ``python examples/transformer_lm.py --quick`` (a tiny model for 30 steps,
the mode CI runs). ``--resume`` continues from the latest checkpoint in ``--out`` exactly as
an uninterrupted run would; ``python examples/serve.py`` then generates text from the
exported program, without this file.

The model, precisely (benchmarks/transformer.py re-implements it in raw JAX and PyTorch and
checks equal losses, so this is a contract; every axis is named, none is addressed by
position):

Parameters (:func:`init_params`), float32::

    key -> k_tok, k_pos, k_layer_0, ..., k_layer_{L-1}   = nt.random.split(key, 2 + L)
    k_layer_i -> k_q, k_k, k_v, k_o, k_1, k_2            = nt.random.split(k_layer_i, 6)

    tok   normal(k_tok) * 0.02           {vocab, d}
    pos   normal(k_pos) * 0.02           {seq, d}
    layers[i]:
      ln1_scale ones {d}, ln1_bias zeros {d}
      wq, wk, wv  normal(k_q / k_k / k_v) * d**-0.5         {d, heads, d_head}
      wo          normal(k_o) * (heads * d_head)**-0.5      {heads, d_head, d}
      ln2_scale ones {d}, ln2_bias zeros {d}
      w1 normal(k_1) * d**-0.5 {d, ff},  b1 zeros {ff}
      w2 normal(k_2) * ff**-0.5 {ff, d}, b2 zeros {d}
    lnf_scale ones {d}, lnf_bias zeros {d}

Forward (:func:`forward`, pre-layer-norm), ``ids`` int {batch, seq}::

    LN(x) = (x - mean_d x) / sqrt(var_d x + 1e-5) * scale + bias    (population variance)
    x = tok[{"vocab": ids}] + pos                                   {batch, seq, d}
    per layer:
      h = LN1(x)
      q, k, v = einsum(h, wq / wk / wv over d)                      {batch, seq, heads, d_head}
      k, v = k.prime("seq"), v.prime("seq")                         key positions: seq'
      scores = einsum(q, k over d_head) / sqrt(d_head)              {batch, heads, seq, seq'}
      scores = where(seq' <= seq, scores, -1e9)                     causal mask (exp gives 0)
      attn = softmax(scores over seq')
      o = einsum(attn, v over seq')                                 {batch, seq, heads, d_head}
      x = x + einsum(o, wo over heads, d_head)
      x = x + (gelu(einsum(LN2(x), w1 over d) + b1) . w2 over ff) + b2   gelu: exact, erf
    x = LN_f(x)
    logits = einsum(x, tok over d)                                  {batch, seq, vocab} (tied)

Loss (:func:`loss_fn`): the mean over batch and seq of ``-log_softmax(logits, "vocab")``
gathered at ``targets``.

Data: the docstrings of a fixed, sorted list of standard-library modules and their public
members (``inspect.getdoc``), collected at run time (no download), one character per
token; the last tenth is held out. Keys: ``init_key, data_key, val_key =
nt.random.split(nt.random.key(seed), 3)``; batch ``step`` is ``cfg.batch`` windows of
``cfg.seq + 1`` characters at offsets drawn with ``jax.random.fold_in(data_key, step)``, so
a resumed run draws the same batches as an uninterrupted one. Optimizer: ``optax.adam(cfg.lr)``.
Checkpoints (``ckpt_<step>.safetensors``: ``{"params", "opt"}``, metadata step, seed and
config as JSON) go to ``--out`` with the exported sampler and ``vocab.json``.
"""

import argparse
import dataclasses
import glob
import importlib
import inspect
import json
import math
import os
import sys
import time
import warnings

import jax
import numpy as np
import optax

import namedtensor as nt

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "out")
EXPORT_FILE = "sample_step.ntexport"  # the exported program's name inside --out
VOCAB_FILE = "vocab.json"


@dataclasses.dataclass(frozen=True)
class Config:
    """The model's sizes and learning rate; the defaults are the full-mode model."""

    vocab: int
    d: int = 128
    heads: int = 4
    d_head: int = 32
    ff: int = 512
    layers: int = 4
    seq: int = 64
    batch: int = 32
    lr: float = 3e-3


QUICK = dict(d=32, heads=2, d_head=16, ff=64, layers=1, seq=32, batch=8, lr=1e-2)  # --quick
QUICK_STEPS, FULL_STEPS = 30, 1500


# --- the model ------------------------------------------------------------------------------
def init_params(key, cfg):
    """The parameters as a pytree of NamedTensors (layout and key order: module docstring)."""
    def normal(k, sizes, scale):
        return nt.random.normal(k, sizes) * scale

    d, h, dh, ff = cfg.d, cfg.heads, cfg.d_head, cfg.ff
    k_tok, k_pos, *k_layers = nt.random.split(key, 2 + cfg.layers)
    layers = []
    for k_layer in k_layers:
        k_q, k_k, k_v, k_o, k_1, k_2 = nt.random.split(k_layer, 6)
        qkv = {"d": d, "heads": h, "d_head": dh}
        layers.append({
            "ln1_scale": nt.ones({"d": d}), "ln1_bias": nt.zeros({"d": d}),
            "wq": normal(k_q, qkv, d ** -0.5),
            "wk": normal(k_k, qkv, d ** -0.5),
            "wv": normal(k_v, qkv, d ** -0.5),
            "wo": normal(k_o, {"heads": h, "d_head": dh, "d": d}, (h * dh) ** -0.5),
            "ln2_scale": nt.ones({"d": d}), "ln2_bias": nt.zeros({"d": d}),
            "w1": normal(k_1, {"d": d, "ff": ff}, d ** -0.5), "b1": nt.zeros({"ff": ff}),
            "w2": normal(k_2, {"ff": ff, "d": d}, ff ** -0.5), "b2": nt.zeros({"d": d}),
        })
    return {
        "tok": normal(k_tok, {"vocab": cfg.vocab, "d": d}, 0.02),
        "pos": normal(k_pos, {"seq": cfg.seq, "d": d}, 0.02),
        "layers": layers,
        "lnf_scale": nt.ones({"d": d}), "lnf_bias": nt.zeros({"d": d}),
    }


def layer_norm(x, scale, bias):
    """Normalize over ``d`` (population variance, eps 1e-5), then scale and shift."""
    return (x - x.mean("d")) / nt.sqrt(x.var("d") + 1e-5) * scale + bias


def attention(p, h, cfg):
    """Causal multi-head self-attention; the key positions are the primed axis ``seq'``."""
    q = nt.einsum("batch seq d, d heads d_head -> batch seq heads d_head", h, p["wq"])
    k = nt.einsum("batch seq d, d heads d_head -> batch seq heads d_head", h, p["wk"])
    v = nt.einsum("batch seq d, d heads d_head -> batch seq heads d_head", h, p["wv"])
    k, v = k.prime("seq"), v.prime("seq")
    scores = nt.einsum("batch seq heads d_head, batch seq' heads d_head "
                       "-> batch heads seq seq'", q, k) / math.sqrt(cfg.d_head)
    n = h.sizes["seq"]
    causal = nt.arange("seq'", n) <= nt.arange("seq", n)  # {seq', seq}: key not after query
    scores = nt.where(causal, scores, -1e9).align_to(*scores.names)  # keep scores' layout
    attn = nt.softmax(scores, "seq'")
    o = nt.einsum("batch heads seq seq', batch seq' heads d_head -> batch seq heads d_head",
                  attn, v)
    return nt.einsum("batch seq heads d_head, heads d_head d -> batch seq d", o, p["wo"])


def mlp(p, h):
    u = nt.einsum("batch seq d, d ff -> batch seq ff", h, p["w1"]) + p["b1"]
    return nt.einsum("batch seq ff, ff d -> batch seq d", nt.gelu(u), p["w2"]) + p["b2"]


def forward(params, ids, cfg):
    """Logits ``{batch, seq, vocab}`` for int token ids ``{batch, seq}``."""
    n = ids.sizes["seq"]  # up to cfg.seq positions
    x = params["tok"][{"vocab": ids}] + params["pos"][{"seq": slice(0, n)}]
    for p in params["layers"]:
        x = x + attention(p, layer_norm(x, p["ln1_scale"], p["ln1_bias"]), cfg)
        x = x + mlp(p, layer_norm(x, p["ln2_scale"], p["ln2_bias"]))
    x = layer_norm(x, params["lnf_scale"], params["lnf_bias"])
    return nt.einsum("batch seq d, vocab d -> batch seq vocab", x, params["tok"])


def loss_fn(params, ids, targets, cfg):
    """The mean cross-entropy (nats per character) of predicting ``targets`` from ``ids``."""
    logp = nt.log_softmax(forward(params, ids, cfg), "vocab")
    return -logp[{"vocab": targets}].mean()  # gather: batch and seq are matched elementwise


def make_train_step(cfg, optimizer):
    """A compiled step ``(params, opt_state, ids, targets) -> (params, opt_state, loss)``."""
    @nt.jit
    def step(params, opt_state, ids, targets):
        loss, grads = nt.value_and_grad(loss_fn)(params, ids, targets, cfg)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss
    return step


# --- data -----------------------------------------------------------------------------------
MODULES = (  # sorted; their docstrings are about 320 KB of text
    "argparse", "asyncio", "collections", "contextlib", "csv", "dataclasses", "datetime",
    "decimal", "difflib", "email.message", "enum", "fractions", "functools", "heapq",
    "inspect", "itertools", "json", "logging", "os", "pathlib", "pickle", "random", "re",
    "shutil", "statistics", "string", "subprocess", "tarfile", "textwrap", "threading",
    "typing", "unittest", "urllib.parse", "zipfile")


def _docstrings(name):
    """The docstrings of module ``name``, its public members and their public methods."""
    module = importlib.import_module(name)
    docs = [inspect.getdoc(module)]
    for attr, obj in sorted(vars(module).items()):
        if attr.startswith("_") or getattr(obj, "__module__", None) != name:
            continue  # private, or imported from another module (counted there)
        docs.append(inspect.getdoc(obj))
        if inspect.isclass(obj):
            docs += [inspect.getdoc(m) for a, m in sorted(vars(obj).items())
                     if not a.startswith("_") and callable(m)]
    return [d for d in docs if d]


def corpus():
    """The training text: deterministic for a given Python version."""
    with warnings.catch_warnings():  # reading typing.io's docstring warns that it is deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        return "\n\n".join(doc for name in MODULES for doc in _docstrings(name))


def make_batcher(cfg):
    """A compiled ``batch(data, key) -> (ids, targets)``: ``cfg.batch`` random windows."""
    @nt.jit
    def batch(data, key):
        n = data.sizes["pos"]
        starts = nt.random.randint(key, {"batch": cfg.batch}, 0, n - cfg.seq)
        at = starts + nt.arange("seq", cfg.seq)  # {batch, seq}: positions in the text
        return data[{"pos": at}], data[{"pos": at + 1}]
    return batch


def unigram_entropy(ids):
    """The entropy (nats) of the characters' frequencies: a model without context."""
    p = np.bincount(ids) / len(ids)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


# --- checkpoints and export ---------------------------------------------------------------------
def checkpoint_path(out, step):
    return os.path.join(out, f"ckpt_{step:06d}.safetensors")


def checkpoints(out):
    """The checkpoint files in ``out``, oldest step first."""
    return sorted(glob.glob(os.path.join(out, "ckpt_*.safetensors")))


def save_checkpoint(out, step, params, opt_state, cfg, seed, keep=2):
    nt.save(checkpoint_path(out, step), {"params": params, "opt": opt_state},
            metadata={"step": str(step), "seed": str(seed),
                      "config": json.dumps(dataclasses.asdict(cfg))})
    for old in checkpoints(out)[:-keep]:
        os.remove(old)


def restore_checkpoint(out, params, opt_state, cfg, seed):
    """The latest checkpoint in ``out``: ``(step, params, opt_state)``, checked against ``cfg``."""
    found = checkpoints(out)
    if not found:
        sys.exit(f"--resume: no checkpoint (ckpt_*.safetensors) in {out}; run without --resume")
    meta = nt.load_metadata(found[-1])
    if json.loads(meta["config"]) != dataclasses.asdict(cfg) or int(meta["seed"]) != seed:
        sys.exit(f"--resume: {found[-1]} was trained with config {meta['config']} and seed "
                 f"{meta['seed']}, not {dataclasses.asdict(cfg)} and {seed}: pass the same "
                 f"--quick/--seed as the run that wrote it")
    state = nt.load(found[-1], like={"params": params, "opt": opt_state})  # optax's classes back
    return int(meta["step"]), state["params"], state["opt"]


def export_sampler(params, cfg, chars, out):
    """Export next-token logits ``(params, ids {batch, seq}, last {batch}) -> {batch, vocab}``.

    ``batch`` is symbolic: one program serves any number of prompts. ``last`` is the position
    of each prompt's last character; positions after it are padding, which the causal mask
    keeps out of the result. The parameters are an input, so the program serves any checkpoint
    of this configuration.
    """
    def next_logits(params, ids, last):
        return forward(params, ids, cfg)[{"seq": last}]

    exported = nt.export(next_logits, params,
                         nt.TensorSpec({"batch": None, "seq": cfg.seq}, dtype="int32"),
                         nt.TensorSpec({"batch": None}, dtype="int32"))
    exported.save(os.path.join(out, EXPORT_FILE))
    with open(os.path.join(out, VOCAB_FILE), "w") as f:
        json.dump({"chars": chars, "seq": cfg.seq}, f)
    return exported


# --- training -----------------------------------------------------------------------------------
def evaluate(params, data, cfg, key, batches=8):
    """The mean loss over ``batches`` fixed random batches of ``data``."""
    batch, loss = make_batcher(cfg), nt.jit(lambda p, i, t: loss_fn(p, i, t, cfg))
    return float(np.mean([float(loss(params, *batch(data, jax.random.fold_in(key, i))))
                          for i in range(batches)]))


def train(args):
    text = corpus()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    ids = np.array([index[c] for c in text], np.int32)
    split = len(ids) * 9 // 10  # the last tenth is held out
    train_data = nt.tensor(ids[:split], "pos")
    val_data = nt.tensor(ids[split:], "pos")
    cfg = Config(vocab=len(chars), **(QUICK if args.quick else {}))
    steps = args.steps or (QUICK_STEPS if args.quick else FULL_STEPS)
    every = args.ckpt_every or (10 if args.quick else 250)
    os.makedirs(args.out, exist_ok=True)
    print(f"corpus: {len(text):,} characters from {len(MODULES)} modules' docstrings, "
          f"vocab {len(chars)}; config {cfg}")

    init_key, data_key, val_key = nt.random.split(nt.random.key(args.seed), 3)
    params = init_params(init_key, cfg)
    optimizer = optax.adam(cfg.lr)
    opt_state = optimizer.init(params)
    start = 0
    if args.resume:
        start, params, opt_state = restore_checkpoint(args.out, params, opt_state, cfg, args.seed)
        if start >= steps:
            sys.exit(f"--resume: the checkpoint is at step {start}; pass --steps above it")
        print(f"resumed from step {start}")
    else:
        for old in checkpoints(args.out):  # a new run: an old run's files must not look newer
            os.remove(old)
    step_fn, batch = make_train_step(cfg, optimizer), make_batcher(cfg)

    t0 = time.perf_counter()
    for step in range(start, steps):
        ids_, targets = batch(train_data, jax.random.fold_in(data_key, step))
        params, opt_state, loss = step_fn(params, opt_state, ids_, targets)
        done = step + 1
        if step == start:  # the first step compiles: time the others
            jax.block_until_ready(loss)
            t1 = time.perf_counter()
        if done % args.log_every == 0 or done == steps:
            value = float(loss)  # waits for the step
            rate = (time.perf_counter() - t1) / max(done - start - 1, 1)
            print(f"step {done:5d}/{steps}  loss {value:.6f}  {rate:.3f} s/step  "
                  f"{time.perf_counter() - t0:6.1f} s", flush=True)
        if done % every == 0 or done == steps:
            save_checkpoint(args.out, done, params, opt_state, cfg, args.seed)

    entropy = unigram_entropy(ids[:split])
    val = evaluate(params, val_data, cfg, val_key)
    print(f"unigram entropy {entropy:.4f} nats/char; final train loss {float(loss):.4f}, "
          f"held-out loss {val:.4f} ({time.perf_counter() - t0:.1f} s training)")
    if not args.no_export:
        export_sampler(params, cfg, chars, args.out)
        print(f"exported the sampler to {os.path.join(args.out, EXPORT_FILE)}; try "
              f"python examples/serve.py --out {args.out} --prompt 'Return the'")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny model, a few dozen steps")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help="the folder for checkpoints and the exported program")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the latest checkpoint in --out")
    parser.add_argument("--steps", type=int,
                        help=f"total steps (default {QUICK_STEPS} quick, {FULL_STEPS} full)")
    parser.add_argument("--ckpt-every", type=int,
                        help="steps between checkpoints (default 10 quick, 250 full)")
    parser.add_argument("--log-every", type=int, default=10, help="loss line period")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-export", action="store_true", help="skip exporting the sampler")
    train(parser.parse_args(argv))


if __name__ == "__main__":
    main()
