"""Bad-input fuzz of the whole public API (SPEC section 15).

For every public function and method (the table in ``_fuzz_table.py`` holds a call that
works), hypothesis replaces one argument with a bad value. The call must then return a
sane value or raise

- an ``nt.NamedTensorError`` subclass, or
- a ``TypeError`` raised by namedtensor itself (its innermost frame is in namedtensor's
  own files: ``namedtensor/``, ``backends/``, ``grad/``),

never a raw NumPy/JAX/opt_einsum/Python exception; the message names the operation and
never contains array values (every tensor holds the sentinel 12345.678 or 12345).
Inputs that could abort the process run in a subprocess, which must survive them and
stay usable.
"""

import inspect
import json
import os
import subprocess
import sys
import warnings

import jax
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import errors as hypothesis_errors
from hypothesis import strategies as st

import namedtensor as nt
import namedtensor.backends
import namedtensor.grad
import namedtensor.random
import namedtensor.testing
import namedtensor.testing.strategies
from _fuzz_table import DRAW, ENTRIES, SENTINEL, extra_values, fix

# Bad calls per entry point and backend: 12 keep the file near a minute on two cores;
# NT_FUZZ_EXAMPLES=500 for a thorough run (failures found are replayed from .hypothesis/).
EXAMPLES = int(os.environ.get("NT_FUZZ_EXAMPLES", "12"))
# (the parameter is "backend_name": conftest parametrizes any "backend" over both)
CASES = [pytest.param(entry, backend, id=f"{entry.name}-{backend}")
         for entry in ENTRIES for backend in entry.backends]
LIBRARY = tuple(os.path.dirname(os.path.realpath(m.__file__)) + os.sep
                for m in (namedtensor, namedtensor.backends, namedtensor.grad))


# --- the contract of one call -----------------------------------------------------------
def _innermost(error):
    tb = error.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"


def _raised_by_library(where):
    return os.path.realpath(where.rsplit(":", 1)[0]).startswith(LIBRARY)


def _check_message(entry, error):
    message = str(error)
    assert any(word in message for word in entry.words), \
        f"{entry.name}: the message does not name the operation {entry.words}: " \
        f"{type(error).__name__}: {message}"
    assert SENTINEL not in message, \
        f"{entry.name}: the message shows array values: {type(error).__name__}: {message}"


def _check_result(entry, result, depth=0):
    """A success returns sane tensors: one unique str name per axis, numeric dtype, the
    data of the backend it claims."""
    if isinstance(result, nt.NamedTensor):
        names, data = result.names, result.data
        assert isinstance(names, tuple) and all(isinstance(n, str) for n in names) \
            and len(set(names)) == len(names), f"{entry.name}: returned bad names {names!r}"
        assert len(names) == np.ndim(data), \
            f"{entry.name}: returned {len(names)} names {names} for {np.ndim(data)}-d data"
        try:
            kind = np.dtype(data.dtype)
        except TypeError:  # a JAX extended dtype, such as a random key's
            kind = data.dtype
        numeric = isinstance(kind, np.dtype) and (kind.kind in "biufc" or kind.name.startswith(
            ("bfloat16", "float8", "int4", "uint4")))
        assert numeric, f"{entry.name}: returned a tensor {names} of dtype {kind}"
        array_type = jax.Array if result.backend == "jax" else (np.ndarray, np.generic)
        assert isinstance(data, array_type), \
            f"{entry.name}: a {result.backend}-backend tensor holds a {type(data).__name__}"
    elif isinstance(result, (tuple, list)) and depth < 3:
        for item in result:
            _check_result(entry, item, depth + 1)
    elif isinstance(result, dict) and depth < 3:
        for item in result.values():
            _check_result(entry, item, depth + 1)


def _check_outcome(entry, call):
    """Run ``call()``: it returns a sane value or raises what SPEC section 15 allows."""
    filtering = jax.config.jax_traceback_filtering
    jax.config.update("jax_traceback_filtering", "off")  # keep JAX's own frames visible
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a NumPy RuntimeWarning breaks no contract
            result = call()
    except (hypothesis_errors.UnsatisfiedAssumption, hypothesis_errors.Frozen):
        raise
    except nt.NamedTensorError as error:
        _check_message(entry, error)
        return
    except TypeError as error:
        where = _innermost(error)
        assert _raised_by_library(where), \
            f"{entry.name}: raw {type(error).__module__}.{type(error).__qualname__} raised " \
            f"at {where}: {str(error)[:300]}"
        _check_message(entry, error)
        return
    except entry.allow:
        return
    except Exception as error:
        raise AssertionError(
            f"{entry.name}: raw {type(error).__module__}.{type(error).__qualname__} raised "
            f"at {_innermost(error)}: {str(error)[:300]}") from None
    finally:
        jax.config.update("jax_traceback_filtering", filtering)
    _check_result(entry, result)


# --- one bad argument ----------------------------------------------------------------
def _slots(entry, args, kwargs):
    """(slot, kind) for every argument: positional index or keyword name."""
    kinds = entry.kinds + ("",) * len(args)
    return [(i, kinds[i]) for i in range(len(args))] + [(k, k) for k in kwargs]


def _draw_call(entry, backend, data):
    """The entry's good call with one argument replaced by a drawn bad value."""
    f = fix(backend)
    fn, args, kwargs = entry.build(f)
    slot, kind = data.draw(st.sampled_from(_slots(entry, args, kwargs)), label="argument")
    pool = dict(f.bad)
    if entry.method and slot == 0:
        pool = {label: pool[label] for label in f.tensor_labels}
    else:
        pool.update(extra_values(kind))
    labels = [label for label in pool if (slot, label) not in entry.exclude]
    label = data.draw(st.sampled_from(labels), label="bad value")
    args, kwargs = list(args), dict(kwargs)
    if isinstance(slot, int):
        args[slot] = pool[label]()
    else:
        kwargs[slot] = pool[label]()
    return lambda: fn(*args, **kwargs)


def _has_arguments(case):
    entry, backend = case.values
    try:
        _, args, kwargs = entry.build(fix(backend))
    except Exception:  # a broken table call: test_good_call says why
        return True
    return bool(args or kwargs)


@pytest.mark.parametrize("entry, backend_name", [case for case in CASES if _has_arguments(case)])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_bad_argument(entry, backend_name, data):
    DRAW[0] = data.draw
    _check_outcome(entry, _draw_call(entry, backend_name, data))


# --- the table itself ------------------------------------------------------------------
def _example(strategy):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hypothesis_errors.NonInteractiveExampleWarning)
        return strategy.example()


@pytest.mark.parametrize("entry, backend_name", CASES)
def test_good_call(entry, backend_name):
    """The table's call works (else the fuzz would only ever test a broken call)."""
    DRAW[0] = _example
    fn, args, kwargs = entry.build(fix(backend_name))
    if not entry.good:  # it raises by design: with a message that keeps the contract
        with pytest.raises(TypeError):
            fn(*args, **kwargs)
        _check_outcome(entry, lambda: fn(*args, **kwargs))
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fn(*args, **kwargs)
    _check_result(entry, result)


# Public callables that are not entry points, with the reason.
NOT_FUZZED = {
    # exception classes are raised by the library, not called with user arguments
    "nt.NamedTensorError", "nt.AxisNameError", "nt.AxisSizeError", "nt.SpecError",
    "nt.DeviceMismatchError", "nt.FormatError",
    # a result record (NamedTuple) that nt.benchmark returns; users do not build one
    "nt.BenchmarkResult",
    # NamedTensor(data, names) is fuzzed as the "nt.NamedTensor" entry
    "nt.NamedTensor.__init__",
}


def _public_callables():
    found = set()
    for name in dir(nt):
        obj = getattr(nt, name)
        if name.startswith("_") or not callable(obj):
            continue
        found.add(f"nt.{name}")
        if isinstance(obj, type) and not issubclass(obj, BaseException):
            for attr, value in vars(obj).items():
                method = isinstance(value, (staticmethod, classmethod)) or inspect.isfunction(value)
                dunder = attr.startswith("__") and attr.endswith("__")
                if method and (not attr.startswith("_") or (dunder and obj is nt.NamedTensor)):
                    found.add(f"nt.{name}.{attr}")
    modules = {"nt.random": nt.random, "namedtensor.grad": namedtensor.grad,
               "namedtensor.testing": namedtensor.testing,
               "namedtensor.testing.strategies": namedtensor.testing.strategies}
    for prefix, module in modules.items():
        names = set(getattr(module, "__all__", ())) | {
            n for n in dir(module) if not n.startswith("_")
            and getattr(getattr(module, n), "__module__", None) == module.__name__}
        found |= {f"{prefix}.{n}" for n in names if callable(getattr(module, n))}
    return found


def test_every_public_callable_has_a_fuzz_entry():
    covered = {name for entry in ENTRIES for name in entry.covers}
    missing = sorted(_public_callables() - covered - NOT_FUZZED)
    assert not missing, f"public callables without a fuzz entry in _fuzz_table.py: {missing}"


# --- inputs that could abort the process: in a subprocess ----------------------------
HUGE = '{"a": 2**62, "b": 2**62}'  # 2**124 elements
OVER_2_63 = '{"a": 2**31, "b": 2**31}'  # 2**62 elements: 2**64 bytes of float32
BEYOND_MEMORY = '{"a": 2**20, "b": 2**20, "c": 2**6}'  # 2**48 bytes: no machine has that
CRASH_CASES = [  # (label, expression, the exception it must raise)
    *[(f"{fn}({sizes}, backend={b!r})", f"nt.{fn}({sizes}, backend={b!r})", "AxisSizeError")
      for fn in ("zeros", "ones") for sizes in (HUGE, OVER_2_63, BEYOND_MEMORY)
      for b in ("jax", "numpy")],
    *[(f"full({sizes}, 1.0{dt}, backend={b!r})", f"nt.full({sizes}, 1.0{dt}, backend={b!r})",
       "AxisSizeError")
      for sizes in (HUGE, BEYOND_MEMORY) for dt in ("", ", dtype='float32'")
      for b in ("jax", "numpy")],
    *[(f"random.{fn}(key, {sizes})", f"nt.random.{fn}(key, {sizes}{extra})", "AxisSizeError")
      for fn, extra in (("normal", ""), ("uniform", ""), ("randint", ", 0, 9"))
      for sizes in (HUGE, BEYOND_MEMORY)],
    ("random.bernoulli(key, 0.5, HUGE)", f"nt.random.bernoulli(key, 0.5, {HUGE})",
     "AxisSizeError"),
    ("random.split(key, 2**62)", "nt.random.split(key, 2**62)", "NamedTensorError"),
    *[(f"expand({sizes}) on {b}", f"nt.zeros({{'x': 2}}, backend={b!r}).expand({sizes})",
       "AxisSizeError") for sizes in (HUGE, OVER_2_63) for b in ("jax", "numpy")],
    ("expand(BEYOND_MEMORY) on jax", f"nt.zeros({{'x': 2}}).expand({BEYOND_MEMORY})",
     "AxisSizeError"),
    *[(f"arange('x', 2**62, backend={b!r})", f"nt.arange('x', 2**62, backend={b!r})",
       "NamedTensorError") for b in ("jax", "numpy")],
    *[(f"linspace('x', 0.0, 1.0, 2**62, backend={b!r})",
       f"nt.linspace('x', 0.0, 1.0, 2**62, backend={b!r})", "AxisSizeError")
      for b in ("jax", "numpy")],
    ("tensor(broadcast view of 2**50 elements)",
     "nt.tensor(np.broadcast_to(np.zeros(()), (2**20, 2**20, 2**10)), 'a b c')",
     "AxisSizeError"),
    *[(f"tensor(list nested 3000 deep, backend={b!r})", f"nt.tensor(DEEP, 'a', backend={b!r})",
       "NamedTensorError") for b in ("jax", "numpy")],
    ("tensor(list nested 3000 deep, names=())", "nt.tensor(DEEP, ())", "NamedTensorError"),
    # runs without end, its memory growing (jvp of jvp of ...), unless order is validated
    ("check_grads(f, args, order=2**70)",
     "namedtensor.grad.check_grads(nt.tanh, (nt.tensor([0.1], 'x'),), order=2**70)",
     "NamedTensorError"),
]
CASE_SECONDS = 10  # a case that runs longer is stopped and reported
_CRASH_SCRIPT = r"""
import json, signal, sys
import numpy as np
import namedtensor as nt
import namedtensor.grad
cases, start, seconds = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])


class Stopped(BaseException):
    pass


def stop(signum, frame):
    raise Stopped(f"still running after {seconds} s")


signal.signal(signal.SIGALRM, stop)
DEEP = 12345.678
for _ in range(3000):
    DEEP = [DEEP]
key = nt.random.key(0)
limit = sys.getrecursionlimit()
for i in range(start, len(cases)):
    print(json.dumps({"start": i}), flush=True)
    signal.alarm(seconds)
    try:
        eval(cases[i][1])
        out = {"done": i, "raised": None}
    except BaseException as e:
        out = {"done": i, "raised": type(e).__name__, "module": type(e).__module__,
               "nte": isinstance(e, nt.NamedTensorError), "message": str(e)[:300]}
    signal.alarm(0)
    print(json.dumps(out), flush=True)
# The process is not poisoned: ordinary calls on both backends still work.
x = nt.tensor(np.arange(6.0).reshape(2, 3), "a b")
healthy = ((x + 1.0).sum("b").tolist() == [6.0, 15.0]
           and float(nt.einsum("a b -> ", x)) == 15.0
           and nt.zeros({"a": 2}, backend="numpy").sum().item() == 0.0
           and nt.random.normal(key, {"a": 2}).sizes == {"a": 2}
           and nt.tensor([[[1.0]]], "a b c").sizes == {"a": 1, "b": 1, "c": 1}
           and sys.getrecursionlimit() == limit)
print(json.dumps({"healthy": healthy}), flush=True)
"""


def _run_crash_cases(cases, timeout=120):
    """Run the cases in a subprocess; a case that kills it is recorded and the rest run
    in a fresh one. Returns ({index: outcome}, healthy)."""
    outcomes, healthy, start = {}, None, 0
    while start < len(cases):
        try:
            proc = subprocess.run([sys.executable, "-c", _CRASH_SCRIPT, json.dumps(cases),
                                   str(start), str(CASE_SECONDS)], capture_output=True,
                                  text=True, timeout=timeout)
            stdout, stderr, status = proc.stdout, proc.stderr, f"exit status {proc.returncode}"
        except subprocess.TimeoutExpired as e:
            def decode(s):
                return s.decode(errors="replace") if isinstance(s, bytes) else s or ""

            stdout, stderr, status = decode(e.stdout), decode(e.stderr), f"timeout {timeout}s"
        started = None
        for line in stdout.splitlines():
            record = json.loads(line)
            if "start" in record:
                started = record["start"]
            elif "done" in record:
                outcomes[record["done"]], started = record, None
            elif "healthy" in record:
                healthy = record["healthy"]
        if started is None:
            if healthy is None:
                healthy = f"the process ended ({status}) after the cases: {stderr[-500:]}"
            break
        outcomes[started] = {"crashed": f"{status}: {stderr[-500:]}"}
        start = started + 1
    return outcomes, healthy


def test_crash_prone_inputs_in_a_subprocess():
    cases = [(label, expression) for label, expression, _ in CRASH_CASES]
    outcomes, healthy = _run_crash_cases(cases)
    problems = []
    for i, (label, _, expected) in enumerate(CRASH_CASES):
        out = outcomes.get(i, {"crashed": "never ran"})
        if "crashed" in out:
            problems.append(f"{label}: the process died ({out['crashed']})")
        elif out["raised"] is None:
            problems.append(f"{label}: returned instead of raising {expected}")
        elif not out["nte"] or (expected != "NamedTensorError" and out["raised"] != expected):
            problems.append(f"{label}: raised {out['module']}.{out['raised']} instead of "
                            f"{expected}: {out['message']}")
        elif SENTINEL in out["message"]:
            problems.append(f"{label}: the message shows array values: {out['message']}")
    if healthy is not True:
        problems.append(f"after the cases, the process is poisoned: {healthy}")
    assert not problems, "\n".join(problems)
