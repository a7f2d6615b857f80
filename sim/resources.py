"""Where the bundled price sheets and example scenarios are found.

In a source checkout they are the top-level ``pricing_data/`` and
``scenarios/`` folders; an installed wheel carries them as the data packages
``sim.pricing_data`` and ``sim.scenarios``.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path


def _data_dir(name: str) -> Path:
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    # The data folders are namespace packages: take their one location.
    spec = find_spec(f"sim.{name}")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"tcosim's bundled {name} folder is missing")
    return Path(list(spec.submodule_search_locations)[0])


def pricing_data_dir() -> Path:
    """The folder of bundled price sheets (one TOML file per provider)."""
    return _data_dir("pricing_data")


def scenarios_dir() -> Path:
    """The folder of bundled example scenarios."""
    return _data_dir("scenarios")
