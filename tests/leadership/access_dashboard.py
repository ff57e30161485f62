"""The permission-matrix rows of the executive dashboard (see tests/permissions.py): top management and the
quality manager only (leadership.view_dashboard); the process owner, the employee and the auditor are refused."""
from tests.leadership.factories import ActionFactory, QualityObjectiveFactory
from tests.permissions import QUALITY_MANAGER, TOP_MANAGEMENT, Row, only

DASHBOARD_READERS = (TOP_MANAGEMENT, QUALITY_MANAGER)


def something_to_show() -> dict:
    """An objective and an action, so the page draws its tiles and the scorecard counts something."""
    QualityObjectiveFactory()
    ActionFactory()
    return {}


ROWS: dict[str, Row] = {
    "leadership:dashboard": Row(
        get=only(*DASHBOARD_READERS), post=only(*DASHBOARD_READERS, answer=405), prepare=something_to_show
    ),
}
OTHER_STATES: dict = {}
