"""Fixtures of the roles tests."""
import pytest

from tests.core.factories import OrgUnitFactory
from tests.roles.factories import ActivityFactory, AssignmentFactory, ProcessFactory, RaciCellFactory, RoleFactory


@pytest.fixture
def matrix(db):
    """The RACI import tests' matrix (test_import*.py): Purchasing with two activities, three held roles, every
    activity with one A and one R. (test_export.py has a matrix of its own.)"""
    purch, qa, mgt = (OrgUnitFactory(code=code) for code in ("PURCH", "QA", "MGT"))
    buyer = RoleFactory(title="Buyer", org_unit=purch)
    quality = RoleFactory(title="Quality manager", org_unit=qa)
    director = RoleFactory(title="Director", org_unit=mgt)
    for role in (buyer, quality, director):
        AssignmentFactory(role=role)
    process = ProcessFactory(name="Purchasing", code="purchasing", owner_role=director)
    select = ActivityFactory(process=process, position=1, name="Select supplier")
    order = ActivityFactory(process=process, position=2, name="Order goods")
    for activity, letters in ((select, "RCA"), (order, "RIA")):
        for role, letter in zip((buyer, quality, director), letters, strict=True):
            RaciCellFactory(activity=activity, role=role, letter=letter)
    return {"buyer": buyer, "quality": quality, "director": director, "select": select, "order": order}
