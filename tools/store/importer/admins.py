"""The admins of imported data: who may ask about the whole company once the import is done.

A CRM export names reps and managers; nobody in it sees everything. A mapping's ``admins:`` list
and ``salesplan data import … --admin EMAIL`` (repeatable) name them::

    admins:
      - ops@acme.example                                      # an email: role admin
      - {user: revops@acme.example, name: Rita Ops, role: revops}
      - {user: Melvin Marxen, role: revops}                    # someone already in the data

Each entry is matched to an existing user by email or full name (including the users this very
import writes) and given the role; an email nobody has becomes a new user with it. The entries
are applied in the import's transaction, after its rows, so a mistake (a name that is nobody and
no email) writes nothing at all; a dry run says what it would do. Re-importing applies them again,
so roles the mapping sets for the export's people do not undo them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from tools.errors import InputError
from tools.store.importer.fieldplan import Record
from tools.store.importer.mapping_schema import AdminSpec
from tools.store.importer.report import DataImportError
from tools.store.people import EMAIL, find_user, name_admin, parse_role

__all__ = ["AdminSpec", "apply_admins"]


def apply_admins(
    connection: Connection,
    admins: Sequence[AdminSpec],
    *,
    dry_run: bool,
    incoming: Sequence[Record] = (),
) -> list[str]:
    """Give each admin their role (adding users as needed); one line per admin saying what was done
    (or, on a dry run, what would be: ``incoming`` are the users rows the import would write). A
    :class:`DataImportError` when one names nobody and is no email."""
    done: list[str] = []
    for admin in admins:
        role = parse_role(admin.role)
        try:
            if dry_run:
                done.append(_would(connection, admin, incoming))
            else:
                done.append(name_admin(connection, admin.user, role, admin.name).describe())
        except InputError as exc:
            raise DataImportError(f"admin {admin.user!r}: {exc}; nothing was written") from None
    return done


def _would(connection: Connection, admin: AdminSpec, incoming: Sequence[Record]) -> str:
    found = find_user(connection, admin.user)
    if found is not None:
        if found.role.value == admin.role:
            return f"{found.name} is already {admin.role}"
        return f"would make {found.name} {admin.role} (now {found.role.value})"
    key = admin.user.strip().casefold()
    for record in incoming:
        if key in {str(record.values.get(c) or "").casefold() for c in ("name", "email")}:
            return f"would make {record.values.get('name')} {admin.role} (a user this import adds)"
    if not EMAIL.match(admin.user.strip()):
        raise InputError(f"no user with email or name {admin.user!r}: give an email to add one")
    return f"would add {admin.user.strip()} as {admin.role}"
