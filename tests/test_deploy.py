"""Train, save and export in one process; load and serve in another that never sees the
model's source (SPEC section 12: the talk's torch.jit.save story, by name)."""

import os
import subprocess
import sys

TRAIN = r"""
import sys, numpy as np, jax, optax
import namedtensor as nt
from namedtensor.grad import value_and_grad
folder = sys.argv[1]

def forward(params, x):
    h = nt.tanh(nt.dot(x, params["w1"], over="feat") + params["b1"])
    return nt.dot(h, params["w2"], over="hidden")

def loss(params, x, y):
    return ((forward(params, x) - y) ** 2).mean()

rng = np.random.default_rng(0)
x = nt.tensor(rng.standard_normal((32, 3)).astype(np.float32), "batch feat")
y = nt.tensor(np.sin(x.data.sum(axis=1, keepdims=True)), "batch out")
params = {"w1": nt.tensor(rng.standard_normal((3, 8)).astype(np.float32) * 0.5, "feat hidden"),
          "b1": nt.zeros({"hidden": 8}),
          "w2": nt.tensor(rng.standard_normal((8, 1)).astype(np.float32) * 0.5, "hidden out")}
opt = optax.adam(0.05)
state = opt.init(params)

@nt.jit
def step(params, state):
    value, grads = value_and_grad(loss)(params, x, y)
    updates, state = opt.update(grads, state, params)
    return optax.apply_updates(params, updates), state, value

first = None
for i in range(30):
    params, state, value = step(params, state)
    first = float(value) if first is None else first
assert float(value) < first / 2, (first, float(value))
nt.save(folder + "/model.safetensors", {"params": params, "opt": state},
        metadata={"step": "30"})
exported = nt.export(forward, params, nt.TensorSpec({"batch": None, "feat": 3}))
exported.save(folder + "/forward.ntexport")
probe = nt.tensor(rng.standard_normal((5, 3)).astype(np.float32), "batch feat")
np.save(folder + "/probe.npy", np.asarray(probe.data))
np.save(folder + "/expected.npy", np.asarray(forward(params, probe).align_to("batch", "out").data))
print("ok")
"""

SERVE = r"""
import sys, numpy as np
import namedtensor as nt
folder = sys.argv[1]
assert nt.load_metadata(folder + "/model.safetensors") == {"step": "30"}
params = nt.load(folder + "/model.safetensors")["params"]
forward = nt.load_exported(folder + "/forward.ntexport")
probe = nt.tensor(np.load(folder + "/probe.npy"), "batch feat").align_to("feat", "batch")
out = forward(params, probe)   # the probe in another axis order: names are the interface
assert out.names == ("batch", "out") or set(out.names) == {"batch", "out"}
np.testing.assert_allclose(np.asarray(out.align_to("batch", "out").data),
                           np.load(folder + "/expected.npy"), rtol=1e-6, atol=1e-6)
print("ok")
"""


def _run(script, folder):
    done = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True,
                          text=True, timeout=180, env={**os.environ, "JAX_PLATFORMS": "cpu"},
                          cwd=folder)
    assert done.returncode == 0 and "ok" in done.stdout.split(), done.stderr[-3000:]


def test_a_fresh_process_serves_the_saved_model_without_its_source(tmp_path):
    _run(TRAIN, tmp_path)
    _run(SERVE, tmp_path)  # nothing of TRAIN's source reaches this process
