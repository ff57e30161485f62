"""The permission-matrix rows of the leadership action and objective pages (see tests/permissions.py).

The rows prove "own only": the table's employee (emp) owns the action of each action row and may open it, move
it and note progress on it, and the table's process owner (po) owns the objective of each measurement row; the
OTHER_STATES rows give the same URLs on someone else's action or objective, where they are refused.
"""
from qms_portal.access import PortalRole
from qms_portal.models import User
from tests.core.factories import UserFactory
from tests.leadership.factories import ActionFactory, QualityObjectiveFactory
from tests.permissions import (
    AUDITOR,
    EMPLOYEE,
    PROCESS_OWNER,
    QUALITY_MANAGER,
    TOP_MANAGEMENT,
    Row,
    any_signed_in,
    only,
)

# leadership.view_leadership: every leadership read page.
READERS = (TOP_MANAGEMENT, QUALITY_MANAGER, PROCESS_OWNER, AUDITOR)
# leadership.manage_actions and leadership.manage_objectives.
ACTION_MANAGERS = (TOP_MANAGEMENT, QUALITY_MANAGER)
OBJECTIVE_MANAGERS = (QUALITY_MANAGER,)


def _person(username: str) -> User:
    return User.objects.get(username=username)


def some_actions() -> dict:
    """An action of the employee's and one of someone else's, for the lists (they take no arguments)."""
    ActionFactory(owner=_person("emp"))
    ActionFactory()
    return {}


def the_employees_action() -> dict:
    return {"pk": ActionFactory(owner=_person("emp")).pk}


def someone_elses_action() -> dict:
    """Owned by another employee: not by anyone of the table."""
    return {"pk": ActionFactory(owner=UserFactory(roles=[PortalRole.EMPLOYEE])).pk}


def some_objectives() -> dict:
    QualityObjectiveFactory(owner=_person("po"))
    return {}


def the_process_owners_objective() -> dict:
    return {"pk": QualityObjectiveFactory(owner=_person("po")).pk}


def someone_elses_objective() -> dict:
    """Owned by another process owner."""
    return {"pk": QualityObjectiveFactory().pk}


# The employee owns the action: they may move it and add notes (an empty form answers 200 with its errors),
# as may managers of actions; the process owner and the auditor read it but may not change it.
WORKERS_ON_OWN_ACTION = (*ACTION_MANAGERS, EMPLOYEE)

ROWS: dict[str, Row] = {
    "leadership:action_list": Row(get=only(*READERS), post=only(*READERS, answer=405), prepare=some_actions),
    "leadership:my_actions": Row(get=any_signed_in(200), post=any_signed_in(405), prepare=some_actions),
    "leadership:action_create": Row(get=only(*ACTION_MANAGERS), post=only(*ACTION_MANAGERS)),
    "leadership:action_detail": Row(get=any_signed_in(200), post=any_signed_in(405), prepare=the_employees_action),
    "leadership:action_edit": Row(
        get=only(*ACTION_MANAGERS), post=only(*ACTION_MANAGERS), prepare=the_employees_action
    ),
    "leadership:action_status": Row(
        get=any_signed_in(405), post=only(*WORKERS_ON_OWN_ACTION), prepare=the_employees_action
    ),
    "leadership:action_note_add": Row(
        get=any_signed_in(405), post=only(*WORKERS_ON_OWN_ACTION), prepare=the_employees_action
    ),
    "leadership:objective_list": Row(get=only(*READERS), post=only(*READERS, answer=405), prepare=some_objectives),
    "leadership:objective_create": Row(get=only(*OBJECTIVE_MANAGERS), post=only(*OBJECTIVE_MANAGERS)),
    "leadership:objective_detail": Row(
        get=only(*READERS), post=only(*READERS, answer=405), prepare=the_process_owners_objective
    ),
    "leadership:objective_edit": Row(
        get=only(*OBJECTIVE_MANAGERS), post=only(*OBJECTIVE_MANAGERS), prepare=the_process_owners_objective
    ),
    # The quality manager, or the objective's owner holding record_measurements (the process owner).
    "leadership:measurement_create": Row(
        get=only(QUALITY_MANAGER, PROCESS_OWNER),
        post=only(QUALITY_MANAGER, PROCESS_OWNER),
        prepare=the_process_owners_objective,
    ),
}

OTHER_STATES: dict[tuple[str, str], Row] = {
    # Someone else's action: the employee may not open it; only managers of actions may change it.
    ("leadership:action_detail", "someone_elses"): Row(
        get=only(*READERS), post=any_signed_in(405), prepare=someone_elses_action
    ),
    ("leadership:action_status", "someone_elses"): Row(
        get=any_signed_in(405), post=only(*ACTION_MANAGERS), prepare=someone_elses_action
    ),
    ("leadership:action_note_add", "someone_elses"): Row(
        get=any_signed_in(405), post=only(*ACTION_MANAGERS), prepare=someone_elses_action
    ),
    # Someone else's objective: a process owner records measurements of their own objectives only.
    ("leadership:measurement_create", "someone_elses"): Row(
        get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=someone_elses_objective
    ),
}
