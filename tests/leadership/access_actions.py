"""PLACEHOLDER: the permission-matrix rows of the leadership actions pages (see tests/permissions.py), being written."""
from tests.permissions import Row

ROWS: dict[str, Row] = {}
OTHER_STATES: dict[tuple[str, str], Row] = {}
