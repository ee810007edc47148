"""Print pip requirements pinning numpy, jax (and jaxlib) and opt_einsum to the lowest
versions pyproject.toml declares: `make test-min` installs the project with them."""

import re
import tomllib
from pathlib import Path

PINNED = ("numpy", "jax", "opt_einsum")

project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
pins = []
for requirement in project["dependencies"]:
    match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9.]+).*", requirement)
    if match and match[1] in PINNED:
        pins.append(f"{match[1]}=={match[2]}")
        if match[1] == "jax":
            pins.append(f"jaxlib=={match[2]}")
print(" ".join(pins))
