"""The capabilities of the leadership app, as ``leadership.<codename>`` permissions.

Which portal role holds which is granted by ``leadership/migrations/0002_commitments_and_capabilities.py``:

| capability | top management | quality manager | process owner | auditor |
|---|---|---|---|---|
| view_leadership | yes | yes | yes | yes |
| record_evidence | yes | yes | | |
| manage_commitments | yes | yes | | |
| manage_reviews | | yes | | |
| sign_minutes (the review's chair only) | yes | | | |
| manage_actions | yes | yes | | |
| manage_objectives | | yes | | |
| record_measurements (own objectives only) | | | yes | |
| view_dashboard (the executive dashboard) | yes | yes | | |
| make_evidence_packs (make, follow, download, cancel) | yes | yes | | yes |

Two rules go beyond a capability and live in the business functions: only the chair of a review signs
its minutes, and the owner of an action may move it forward and note progress whatever their role.
"""
from enum import StrEnum


class LeadershipCapability(StrEnum):
    VIEW = "leadership.view_leadership"
    RECORD_EVIDENCE = "leadership.record_evidence"
    MANAGE_COMMITMENTS = "leadership.manage_commitments"
    MANAGE_REVIEWS = "leadership.manage_reviews"
    SIGN_MINUTES = "leadership.sign_minutes"
    MANAGE_ACTIONS = "leadership.manage_actions"
    MANAGE_OBJECTIVES = "leadership.manage_objectives"
    RECORD_MEASUREMENTS = "leadership.record_measurements"
    VIEW_DASHBOARD = "leadership.view_dashboard"
    MAKE_EVIDENCE_PACKS = "leadership.make_evidence_packs"
