"""PostgreSQL triggers that keep retained records in the database itself, beyond the ORM's refusal
(``qms_portal.models.retention``): a DELETE, or a TRUNCATE of the table, is refused with "retained record"; so is
an UPDATE that changes a row, where the table asks for it.

Migrations install them with ``retained_table_guard(table)``, which does nothing on SQLite (the embedded default
relies on the ORM's refusal). The trigger function comes with ``qms_portal`` migration 0014. Tests that flush a
PostgreSQL database (``transactional_db``) lift the TRUNCATE triggers for the flush: ``tests.services``.
"""
from __future__ import annotations

from typing import Any

from django.db import migrations

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION qms_refuse_retained_change() RETURNS trigger AS $$
BEGIN
    -- Writing a row back unchanged (as Django's serialized test rollback does) changes nothing: let it through.
    IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'retained record: % on % refused', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""
DROP_FUNCTION_SQL = "DROP FUNCTION IF EXISTS qms_refuse_retained_change();"
TRUNCATE_TRIGGER = "qms_retained_no_truncate"
ROW_TRIGGER = "qms_retained_no_delete"


def _on_postgresql(sql: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: the SQL may hold a literal %
    return run


def retained_function() -> migrations.RunPython:
    """The operation that creates the trigger function every guard calls."""
    return migrations.RunPython(_on_postgresql(FUNCTION_SQL), _on_postgresql(DROP_FUNCTION_SQL))


def retained_table_guard(table: str, *, refuse_update: bool = False) -> migrations.RunPython:
    """The operation that refuses DELETE (and UPDATE, when ``refuse_update``) of ``table``'s rows, and TRUNCATE."""
    events = "UPDATE OR DELETE" if refuse_update else "DELETE"
    install = f"""
CREATE TRIGGER {ROW_TRIGGER} BEFORE {events} ON {table}
    FOR EACH ROW EXECUTE FUNCTION qms_refuse_retained_change();
CREATE TRIGGER {TRUNCATE_TRIGGER} BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION qms_refuse_retained_change();
"""
    remove = f"""
DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON {table};
DROP TRIGGER IF EXISTS {ROW_TRIGGER} ON {table};
"""
    return migrations.RunPython(_on_postgresql(install), _on_postgresql(remove))
