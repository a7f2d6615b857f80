"""Factor 12, lock-in risk: switching costs and the savings lock-in forgoes.

The step between costs and scores (DESIGN 5.5). This first part holds the
scenario keys (:mod:`~sim.switching.keys`); the ledger and the switching
policy follow.
"""

from sim.switching.keys import MITIGATIONS, STATE_KINDS, LockIn, Switching

__all__ = ["MITIGATIONS", "STATE_KINDS", "LockIn", "Switching"]
