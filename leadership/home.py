"""PLACEHOLDER: the leadership panels of the home page are being written."""


def register_home_panels() -> None:
    """Register the leadership panels of the home page."""
