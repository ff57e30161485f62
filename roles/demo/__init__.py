"""The roles part of the demo data (5.3), run by ``seed_demo`` after the core and policy steps.

Builds, through the same write functions the quality manager's pages use (so the audit trail reads as it
would in real life), acting as the demo quality manager: 26 roles of Calder Valve & Pump with reporting
lines under the managing director and holders from the demo staff (some with a deputy, and two assignments
that ended), 6 processes with 40 activities owned by roles, a complete RACI matrix, the 5.3 a-e duties
assigned to held roles, and most holders' acknowledgements of their roles.

The matrix breaks exactly two rules on purpose, so that the matrix and the health panel have something to
show: the purchasing activity "Evaluate and approve new suppliers" has two A's (the supply chain manager's
and the quality manager's), and the Toolmaker role keeps letters although its only holder moved to another role.

Idempotent: records are found by their natural keys and written only where they differ from the demo, so
a second run writes nothing (and adds nothing to the audit trail).

The demo's records are data (``data``); ``build`` writes them through the business functions.
"""
from roles.demo.build import seed_roles_demo

__all__ = ["seed_roles_demo"]
