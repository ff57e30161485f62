"""PLACEHOLDER: the roles demo data is being written."""


def seed_roles_demo(*, password: str) -> str:
    """Add the demo roles, processes and RACI matrix."""
    return "Roles demo not built yet."
