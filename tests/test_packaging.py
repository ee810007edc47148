"""The built wheel, installed outside the source tree, and the strict type check of what it
ships (py.typed).

The wheel is built from the sdist (``python -m build``, as ``make dist`` does), installed
with ``--no-deps`` into a temporary target, and imported from there by an interpreter that
sees only that target and the test environment's dependencies: a package or package-data
entry missing from ``pyproject.toml`` fails here, not on a user's machine. No network is
used, and jax is not downloaded again.
"""

import importlib.metadata
import os
import re
import subprocess
import sys
import sysconfig
import tomllib
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TYPING = os.path.join(ROOT, "tests", "typing")
PYPROJECT = os.path.join(ROOT, "pyproject.toml")


def _run(args, **kwargs):
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    code, log = _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out),
                      ROOT])
    assert code == 0, log[-3000:]
    return out


@pytest.fixture(scope="module")
def wheel(dist):
    (path,) = dist.glob("*.whl")
    return path


@pytest.fixture(scope="module")
def target(wheel, tmp_path_factory):
    where = tmp_path_factory.mktemp("site")
    code, log = _run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
                      "--quiet", "--target", str(where), str(wheel)])
    assert code == 0, log[-3000:]
    return where


def _isolated_python(target, script, cwd):
    """Run ``script`` with only ``target`` and the dependencies' site-packages on the path:
    ``-S`` skips site (and the editable install's finder), cwd is outside the source tree."""
    path = os.pathsep.join([str(target), sysconfig.get_paths()["purelib"]])
    env = {**os.environ, "PYTHONPATH": path, "JAX_PLATFORMS": "cpu",
           "NT_WHEEL_TARGET": str(target)}
    return _run([sys.executable, "-S", "-c", script], cwd=cwd, env=env)


def test_the_artifacts_pass_twine_check(dist):
    code, log = _run([sys.executable, "-m", "twine", "check", "--strict", *map(str,
                      sorted(dist.iterdir()))])
    assert code == 0, log


def test_the_wheel_carries_every_package_and_py_typed(wheel):
    files = set(zipfile.ZipFile(wheel).namelist())
    for module in ("namedtensor/__init__.py", "namedtensor/py.typed",
                   "namedtensor/backends/__init__.py", "namedtensor/backends/jax_backend.py",
                   "namedtensor/backends/numpy_backend.py", "namedtensor/grad/__init__.py",
                   "namedtensor/testing/__init__.py", "namedtensor/testing/strategies.py"):
        assert module in files, module
    assert any(f.endswith("licenses/LICENSE") for f in files)
    assert not any(f.startswith(("tests/", "benchmarks/", "backends/", "grad/")) for f in files)
    # every module of the source tree is in the wheel, under its installed name
    for folder, package in (("namedtensor", "namedtensor"), ("backends", "namedtensor/backends"),
                            ("grad", "namedtensor/grad")):
        for name in os.listdir(os.path.join(ROOT, folder)):
            if name.endswith(".py"):
                assert f"{package}/{name}" in files, f"{folder}/{name}"


PROGRAM = r"""
import os, tempfile
import numpy as np
import namedtensor as nt
import namedtensor.backends, namedtensor.grad, namedtensor.testing
import namedtensor.testing.strategies
from namedtensor.grad import grad

target = os.environ["NT_WHEEL_TARGET"]
for module in (nt, namedtensor.backends, namedtensor.grad, namedtensor.testing):
    assert os.path.realpath(module.__file__).startswith(os.path.realpath(target)), module.__file__

x = nt.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), "batch feat")
w = nt.ones({"feat": 3, "hidden": 2})
y = nt.einsum("batch feat, feat hidden -> batch hidden", x, w)
np.testing.assert_allclose(y.align_to("batch", "hidden").numpy(), [[3, 3], [12, 12]])
g = grad(lambda w: nt.einsum("batch feat, feat hidden ->", x, w))(w)
np.testing.assert_allclose(g.align_to("feat", "hidden").numpy(), [[3, 3], [5, 5], [7, 7]])
fast = nt.jit(lambda x, w: nt.tanh(nt.dot(x, w, over="feat")))
np.testing.assert_allclose(fast(x, w).align_to("batch", "hidden").numpy(),
                           np.tanh([[3, 3], [12, 12]]), rtol=1e-6)
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "params.safetensors")
    nt.save(path, {"w": w, "x": x}, metadata={"step": "1"})
    back = nt.load(path)
    assert back["x"].names == ("batch", "feat") and nt.load_metadata(path) == {"step": "1"}
print(nt.__version__)
"""


def test_the_installed_wheel_runs_outside_the_source_tree(target, tmp_path):
    code, log = _isolated_python(target, PROGRAM, cwd=tmp_path)
    assert code == 0, log[-3000:]
    with open(PYPROJECT, "rb") as f:
        declared = tomllib.load(f)["project"]["version"]
    assert log.split()[-1] == declared


def test_the_version_comes_from_the_metadata():
    import namedtensor as nt
    assert nt.__version__ == importlib.metadata.version("namedtensor")
    with open(os.path.join(ROOT, "namedtensor", "__init__.py")) as f:
        source = f.read()
    assert not re.search(r"__version__\s*=\s*['\"]\d+\.\d+", source)  # no second copy


def _mypy(target, *args, cache):
    return _run([sys.executable, "-m", "mypy", "--config-file", PYPROJECT, "--cache-dir",
                 str(cache), "--no-error-summary", *args], cwd=target)


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("mypy")


def test_the_package_and_a_user_program_type_check_strictly(target, mypy_cache):
    code, log = _mypy(target, "-p", "namedtensor", cache=mypy_cache)
    assert code == 0, log[-6000:]
    code, log = _mypy(target, os.path.join(TYPING, "user_program.py"), cache=mypy_cache)
    assert code == 0, log[-6000:]


def test_the_type_checker_flags_wrong_calls(target, mypy_cache):
    wrong = os.path.join(TYPING, "wrong.py")
    with open(wrong) as f:
        marked = {i for i, line in enumerate(f, 1) if re.match(r"\S.*  # error: ", line)}
    code, log = _mypy(target, wrong, cache=mypy_cache)
    flagged = {int(m) for m in re.findall(r"wrong\.py:(\d+): error", log)}
    assert code == 1 and flagged == marked, log[-3000:]


def test_the_typed_user_program_runs_from_the_wheel(target, tmp_path):
    with open(os.path.join(TYPING, "user_program.py")) as f:
        source = f.read()
    code, log = _isolated_python(target, source, cwd=tmp_path)
    assert code == 0, log[-3000:]
