"""The roles part of the demo data (5.3), run by ``seed_demo`` after the core and policy steps.

Builds, through the same write functions the quality manager's pages use, on the days they would have been
used (planned on ``seed_demo``'s simulated clock, ``qms_portal.demo.History``, so the records and the audit trail
read as they would in real life), acting as the demo quality manager: 26 roles of Calder Valve & Pump with reporting
lines under the managing director and holders from the demo staff (some with a deputy, and two assignments
that ended), 6 processes with 40 activities owned by roles, a complete RACI matrix, the 5.3 a-e duties
assigned to held roles, entered when the portal went live two years ago; appointments since then recorded on
their first day and assignments that ended closed on their last (the assembly and test supervisor changed hands,
a toolmaker moved to CNC machining, new machinists and a test technician started); and most holders'
acknowledgements of their roles, a few weeks after the roles were entered or they started in them.

The matrix breaks exactly two rules on purpose, so that the matrix and the health panel have something to
show: the purchasing activity "Evaluate and approve new suppliers" has two A's (the supply chain manager's
and the quality manager's), and the Toolmaker role keeps letters although its only holder moved to another role.

Idempotent: records are found by their natural keys and written only where they differ from the demo, so
a second run writes nothing (and adds nothing to the audit trail).

The demo's records are data (``data``); ``build`` writes them through the business functions.
"""
from roles.demo.build import seed_roles_demo

__all__ = ["seed_roles_demo"]
