"""PLACEHOLDER: the leadership demo data is being written."""


def seed_leadership_demo(*, password: str) -> str:
    """Add the demo commitments' owners and evidence, reviews, actions and objectives."""
    return "Leadership demo not built yet."
