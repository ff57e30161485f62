"""The permission-matrix rows of the readiness page and its thresholds (see tests/permissions.py)."""
from tests.permissions import AUDITOR, PROCESS_OWNER, QUALITY_MANAGER, TOP_MANAGEMENT, Row, only

# leadership.view_leadership: the auditor reads readiness, the employee does not.
READERS = (TOP_MANAGEMENT, QUALITY_MANAGER, PROCESS_OWNER, AUDITOR)

ROWS: dict[str, Row] = {
    "leadership:readiness": Row(get=only(*READERS), post=only(*READERS, answer=405)),
    # Those who manage the organisation's settings (qms_portal.manage_organisation): an empty form answers 200.
    "leadership:readiness_settings": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER)),
}
OTHER_STATES: dict[tuple[str, str], Row] = {}
