"""The policy part of the demo data, run by ``seed_demo`` (registered in ``PolicyConfig.ready``).

Builds, through the same workflow functions people use and on the days they would have used them (planned on
``seed_demo``'s simulated clock, ``qms_portal.demo.History``), so that the records and the audit trail read as
they would in real life: the Quality Policy QP-01 in three versions (v1 published about two years ago, v2 a year
ago, both superseded; v3 published a couple of months ago and open to interested parties), each drafted by the
quality manager three weeks before, submitted, and signed by the managing director on a day of its own, with
acknowledgement campaigns answered over the following weeks (about 80% of staff have acknowledged v3 so far),
and an Environmental Policy EP-01 whose first version, drafted lately, is still a draft.

Idempotent: each version is taken forward from the state it is in, and nothing is written once it has
reached its demo state, so a second run changes nothing. Records people changed in the portal since
(a new draft, a withdrawn version) are left as they are.

The demo's records are data (``data``); ``build`` writes them through the business functions.
"""
from policy.demo.build import seed_policy_demo
from policy.demo.data import QUALITY_POLICY_V1

__all__ = ["QUALITY_POLICY_V1", "seed_policy_demo"]
