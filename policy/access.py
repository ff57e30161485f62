"""The capabilities of the quality policy app, as ``policy.<codename>`` permissions.

Which portal role holds which is granted by ``policy/migrations/0002_policy_capabilities.py``.
"""
from enum import StrEnum


class PolicyCapability(StrEnum):
    MANAGE = "policy.manage_policy"
    APPROVE = "policy.approve_policy"
    VIEW_HISTORY = "policy.view_policy_history"
    VIEW_ACKNOWLEDGEMENTS = "policy.view_acknowledgements"
