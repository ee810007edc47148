"""The transformer LM's training step on an 8-device CPU mesh, checked against one device.

What it shows:

- A mesh with named axes, ``nt.mesh({"data": 4, "model": 2})``, and rules that lay out
  every tensor by its axis *names*: ``batch`` over ``data`` (data parallel), ``heads`` and
  ``ff`` over ``model`` (model parallel inside attention and the MLP). One rule set serves
  the whole model: a rule for a name a tensor lacks is ignored for that tensor.
- ``nt.jit(train_step, mesh=mesh, rules=rules)`` turns the one-device step into an SPMD
  program in one line; XLA inserts the collectives. The updated parameters keep the layout.
- The result equals the same step on one device, within
  ``assert_allclose(rtol=1e-5, atol=1e-6)``:

  * with SGD with momentum: the loss of every step, the updated parameters and the
    momentum;
  * with adam, the optimizer ``transformer_lm.py`` trains with (not in ``--quick``): the
    loss of every step. Adam's parameters are not compared that tightly, and this is not
    a sharding error. Adam divides each gradient element by its own size
    (``g / (|g| + 1e-8)``). For an element whose gradient is within float32 rounding of
    zero, the update then depends on that rounding, and a mesh sums the batch in another
    order than one device does. The gradients agree to about 1e-8, but such an element's
    update can differ far beyond the tolerance (by 9e-5 at a learning rate of 3e-3, in one
    run of a one-layer model). The script prints the largest difference.

The model is ``examples/transformer_lm.py``'s (``Config``, ``init_params``, ``loss_fn``),
at a small size, on random token ids. One device runs its ``make_train_step``; the mesh
runs the same step body under ``nt.jit(..., mesh=, rules=)``. The eight devices are
emulated on the CPU, so this script sets ``XLA_FLAGS`` before JAX is imported and must run
in its own process:

    python examples/sharded_step.py [--quick] [--steps N]
"""

import os

# Before anything imports JAX: eight host devices (XLA reads the flag once, at start-up).
os.environ.setdefault("JAX_PLATFORMS", "cpu")
_FLAG = "--xla_force_host_platform_device_count=8"
if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_FLAG}".strip()

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import jax  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

import namedtensor as nt  # noqa: E402
from namedtensor.testing import assert_allclose  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transformer_lm import Config, init_params, loss_fn, make_train_step  # noqa: E402

MESH_AXES = {"data": 4, "model": 2}
RULES = {"batch": "data", "heads": "model", "ff": "model"}
RTOL, ATOL = 1e-5, 1e-6


def make_sharded_step(cfg, optimizer, mesh, rules):
    """``transformer_lm.make_train_step``'s step, compiled as one SPMD program over ``mesh``
    with every NamedTensor argument and result laid out by ``rules``."""
    def train_step(params, opt_state, ids, targets):
        loss, grads = nt.value_and_grad(loss_fn)(params, ids, targets, cfg)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss
    return nt.jit(train_step, mesh=mesh, rules=rules)


def random_batches(cfg, steps, seed):
    """``steps`` times one batch of random token ids and their next tokens, each
    ``(batch, seq)``: the model memorizes it, so the loss falls."""
    rng = np.random.default_rng(seed)
    row = rng.integers(0, cfg.vocab, size=(cfg.batch, cfg.seq + 1), dtype=np.int32)
    return [(nt.tensor(row[:, :-1], "batch seq"), nt.tensor(row[:, 1:], "batch seq"))] * steps


def train(step, params, opt_state, batches):
    """Run ``step`` over ``batches``; the final state and the loss of every step."""
    losses = []
    for ids, targets in batches:
        params, opt_state, loss = step(params, opt_state, ids, targets)
        losses.append(loss)
    return params, opt_state, losses


def is_named(x):
    return isinstance(x, nt.NamedTensor)


def assert_trees_close(actual, desired, what):
    """Every leaf of ``actual`` equals the same leaf of ``desired`` (NamedTensors by name)."""
    paths = jax.tree_util.tree_flatten_with_path(actual, is_leaf=is_named)[0]
    desired_leaves = jax.tree.leaves(desired, is_leaf=is_named)
    assert len(paths) == len(desired_leaves), (len(paths), len(desired_leaves))
    for (path, a), d in zip(paths, desired_leaves, strict=True):
        where = f"{what}{jax.tree_util.keystr(path)}"
        if isinstance(a, nt.NamedTensor):
            assert_allclose(a, d, rtol=RTOL, atol=ATOL, err_msg=where)
        else:
            np.testing.assert_allclose(np.asarray(a), np.asarray(d), rtol=RTOL, atol=ATOL,
                                       err_msg=where)


def one_and_eight(cfg, optimizer, params, mesh, batches):
    """Train from ``params`` on one device and on ``mesh``; both runs'
    ``(params, opt_state, losses)``, one device's first."""
    one = train(make_train_step(cfg, optimizer), params, optimizer.init(params), batches)
    params = nt.shard(params, mesh, RULES)                      # laid out by the rules
    opt_state = nt.shard(optimizer.init(params), mesh, RULES)   # adam's moments alike
    eight = train(make_sharded_step(cfg, optimizer, mesh, RULES), params, opt_state, batches)
    return one, eight


def assert_losses_close(losses, desired, what):
    for i, (loss, one) in enumerate(zip(losses, desired, strict=True)):
        np.testing.assert_allclose(float(loss), float(one), rtol=RTOL, atol=ATOL,
                                   err_msg=f"{what}: the loss of step {i}")


def largest_difference(actual, desired):
    """The largest absolute difference between two pytrees of NamedTensors, by name."""
    return max(np.abs(a.numpy() - d.align_to(*a.names).numpy()).max() for a, d in zip(
        jax.tree.leaves(actual, is_leaf=is_named), jax.tree.leaves(desired, is_leaf=is_named),
        strict=True))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a one-layer model, three steps, SGD only (adam's check needs "
                             "two more compilations)")
    parser.add_argument("--steps", type=int, default=None,
                        help="training steps to compare (default: 10, or 3 with --quick)")
    parser.add_argument("--out", default=None, help="unused; accepted like the other examples")
    args = parser.parse_args(argv)
    steps = args.steps if args.steps is not None else (3 if args.quick else 10)
    started = time.perf_counter()

    if len(jax.devices()) != 8:
        raise SystemExit(f"sharded_step.py needs 8 devices, JAX sees {len(jax.devices())}: "
                         f"run it in a fresh process (XLA_FLAGS={os.environ.get('XLA_FLAGS')!r})")
    cfg = Config(vocab=64, d=32, heads=2, d_head=16, ff=64, layers=1 if args.quick else 2,
                 seq=16, batch=8, lr=3e-3)
    mesh = nt.mesh(MESH_AXES)
    print(f"mesh {dict(mesh.shape)} over {mesh.size} {jax.devices()[0].platform} devices; "
          f"rules {RULES}")
    params = init_params(nt.random.key(0), cfg)      # the one device's (the default device)
    layout = nt.shard(params, mesh, RULES)["layers"][0]
    print(f"layouts: wq {layout['wq'].sizes} -> {layout['wq'].sharding_rules}, "
          f"w1 {layout['w1'].sizes} -> {layout['w1'].sharding_rules}, "
          f"ln1_scale {layout['ln1_scale'].sizes} -> replicated")
    batches = random_batches(cfg, steps, seed=1)

    # SGD with momentum: updates linear in the gradients, so every number must agree.
    (one_params, one_state, one_losses), (new, state, losses) = one_and_eight(
        cfg, optax.sgd(0.1, momentum=0.9), params, mesh, batches)
    w1 = new["layers"][0]["w1"]
    assert w1.sharding_rules == {"ff": "model"}, w1.sharding_rules
    assert {s.data.shape for s in w1.data.addressable_shards} == {(cfg.d, cfg.ff // 2)}
    print(f"the updated w1 stays split: {len(w1.data.addressable_shards)} shards of "
          f"{w1.data.addressable_shards[0].data.shape} (d, ff/2)")
    assert_losses_close(losses, one_losses, "sgd")
    assert_trees_close(new, one_params, "params")
    assert_trees_close(state, one_state, "opt_state")
    moved = largest_difference(new, params)
    print(f"sgd losses {' '.join(f'{float(x):.6f}' for x in losses)}; the params moved up to "
          f"{moved:.3g} and differ from one device by at most "
          f"{largest_difference(new, one_params):.2g}")
    print(f"sgd: loss and updated params after {steps} steps on the {dict(mesh.shape)} mesh: "
          f"equal to one device (rtol={RTOL}, atol={ATOL})")

    if args.quick:
        print(f"done in {time.perf_counter() - started:.1f} s (without --quick: adam too)")
        return
    # Adam, as transformer_lm.py trains: the losses agree; see the module docstring.
    (one_params, _, one_losses), (new, _, losses) = one_and_eight(
        cfg, optax.adam(cfg.lr), params, mesh, batches)
    assert_losses_close(losses, one_losses, "adam")
    print(f"adam losses {' '.join(f'{float(x):.6f}' for x in losses)}: equal to one device "
          f"(rtol={RTOL}, atol={ATOL}); params differ by at most "
          f"{largest_difference(new, one_params):.2g} (elements with a gradient near 0)")
    print(f"done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
