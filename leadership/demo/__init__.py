"""The leadership part of the demo data (5.1), run by ``seed_demo`` after the core, roles and policy steps.

Built through the same business functions people use, each step acting as the demo person who would take
it, on the day they would take it (planned on ``seed_demo``'s simulated clock, ``qms_portal.demo.History``), so
that the records and the audit trail read as they would in real life:

- the 13 commitments with an accountable top manager (Helen Marsh, David Whitaker, Sana Hussain) and how
  often each must be evidenced; three are stale on purpose, two due soon, one never evidenced;
- a year of evidence of what those three did, each recorded on its day, two entries with a small attached file;
- four quarterly management reviews, one chain of a recurring review: three held on their days with every 9.3.2
  input covered the week before, attendance and decisions with actions, the minutes closed two working days
  later and signed by the chair the day after; holding the third proposed the fourth, planned next month;
- about 30 actions from reviews, commitments and objectives, in every status, some overdue (one of them
  the demo employee's), opened a fortnight before their first date, with progress notes by their owners spread
  up to the day they were done (or today);
- 8 quality objectives framed by the quality policy QP-01, with a year of monthly measurements, each recorded
  two working days after its month: on track, at risk and off track.

Idempotent: commitments are written only where they differ from the demo; evidence, actions and objectives
are found by their text; the reviews are taken forward from the state they are in. A second run writes
nothing. Dates are counted back from the day of the first run.

The demo's records are data (``data`` and ``data_reviews``); ``build`` writes them through the business
functions. Leadership reads the policy it needs through ``policy.selectors`` only.
"""
from leadership.demo.build import seed_leadership_demo

__all__ = ["seed_leadership_demo"]
