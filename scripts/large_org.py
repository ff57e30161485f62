"""A large organisation for measurements: the demo grown by ``people_count`` more people (2,000 by default), with
the roles grown to 120 and the activities to 400, every cell of the RACI matrix filled, and the large organisation's
policies, reviews, actions, objectives and evidence in proportion.

This is ``manage.py seed_demo --scale large --people N`` (one builder: ``qms_portal.demo.Scale`` and each app's
``demo/large.py``), kept for the measuring scripts that call ``large_org_build``. Every record is written through
the business functions and the audited bulk path, with its trail entry. On a database holding the demo already, the
large records are added at the present time.

usage: ``manage.py migrate && manage.py seed_demo`` first, then ``DATABASE_URL=... .venv/bin/python
scripts/large_org.py`` (or ``scripts/measure_evidence_pack.py --build-large``).
"""
from __future__ import annotations

import io
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms_portal.settings")

PEOPLE = 2000  # more than the demo's own


def large_org_build(people_count: int = PEOPLE) -> str:
    """Grow the seeded demo into the large organisation, ``people_count`` more people (once: a database already
    grown is left alone); returns what it holds."""
    from django.core.management import call_command

    from qms_portal.management.commands.seed_demo import PEOPLE as DEMO_PEOPLE
    from qms_portal.models import User

    if User.objects.filter(username="large0000").exists():
        return "The large organisation is there already."
    out = io.StringIO()
    call_command("seed_demo", scale="large", people=len(DEMO_PEOPLE) + people_count, stdout=out)
    return out.getvalue().strip()


if __name__ == "__main__":
    import django

    django.setup()
    print(large_org_build())
