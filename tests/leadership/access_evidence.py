"""PLACEHOLDER: the permission-matrix rows of the leadership evidence pages (tests/permissions.py)."""
from tests.permissions import Row

ROWS: dict[str, Row] = {}
OTHER_STATES: dict[tuple[str, str], Row] = {}
