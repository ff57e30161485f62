"""The leadership part of the demo data (5.1), run by ``seed_demo`` after the core, roles and policy steps.

Built through the same business functions people use, each step acting as the demo person who would take
it, so that the audit trail reads as it would in real life (records are dated in the past where they say
when something happened; the trail records when they were entered, which is now):

- the 13 commitments with an accountable top manager (Helen Marsh, David Whitaker, Sana Hussain) and how
  often each must be evidenced; three are stale on purpose, two due soon, one never evidenced;
- a year of evidence of what those three did, two entries with a small attached file;
- four quarterly management reviews, one chain of a recurring review: three held, closed and signed by the
  chair with every 9.3.2 input covered, attendance and decisions with actions; holding the third proposed
  the fourth, planned next month;
- about 30 actions from reviews, commitments and objectives, in every status, some overdue (one of them
  the demo employee's), with progress notes by their owners;
- 8 quality objectives framed by the quality policy QP-01, with a year of monthly measurements: on track,
  at risk and off track.

Idempotent: commitments are written only where they differ from the demo; evidence, actions and objectives
are found by their text; the reviews are taken forward from the state they are in. A second run writes
nothing. Dates are counted back from the day of the first run.

The demo's records are data (``data`` and ``data_reviews``); ``build`` writes them through the business
functions. Leadership reads the policy it needs through ``policy.selectors`` only.
"""
from leadership.demo.build import seed_leadership_demo

__all__ = ["seed_leadership_demo"]
