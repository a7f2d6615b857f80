"""tcosim: multi-year cost, price trajectory and lock-in risk of LLM providers.

The package is organised as a pipeline, one module per step (see the README):
scenario -> catalog -> demand -> billing -> scoring -> report, joined in
:mod:`sim.pipeline`. Importing :mod:`sim` itself stays light: the heavy
numerical libraries are imported by the modules that need them.
"""

__version__ = "0.1.0"
