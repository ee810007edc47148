"""Test configuration: warnings are errors, no implicit rank promotion, both backends.

``jax_numpy_rank_promotion="raise"`` makes any accidental positional
broadcasting inside the library fail loudly, so no test passes by luck.
"""

import os
import sys

import jax
from hypothesis import HealthCheck, settings

jax.config.update("jax_numpy_rank_promotion", "raise")

# The NumPy oracle lives beside the tests (there is no tests/__init__.py).
sys.path.insert(0, os.path.dirname(__file__))

settings.register_profile(
    "default", max_examples=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

BACKENDS = ("jax", "numpy")


def pytest_generate_tests(metafunc):
    """Every test that takes ``backend`` runs once per backend (einops' collect_test_backends)."""
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS)
