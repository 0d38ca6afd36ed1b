"""The partnership's organisations: created and kept by the lead agency's admins, each change a version.

An organisation's own admins may correct its description, website and email; only lead-agency admins create
organisations or set whether an organisation's edits wait for approval (recorded in the audit log).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from .._readers import text_problem
from ..audit import record_event, record_refusal
from ..db.models import Organization, Version
from ..errors import EntryNotFoundError, InvalidEntryError, PermissionDeniedError
from .editing import Actor
from .schema import record_problems
from .store import bump_revision
from .tables import apply_record, organization_record
from .versions import diff_snapshots, record_version

__all__ = ["ORGANIZATION_FIELDS", "save_organization", "set_requires_approval"]

#: What the organisation form edits.
ORGANIZATION_FIELDS = ("name", "description", "website", "email")


def _check(record: Mapping[str, Any]) -> None:
    if not str(record.get("name", "")).strip():
        raise InvalidEntryError("name", "is empty; expected the organisation's name")
    for field in ORGANIZATION_FIELDS:
        value = record.get(field)
        problem = text_problem(value, limit=2000) if isinstance(value, str) else None
        if problem:
            raise InvalidEntryError(field, problem)
    problems = record_problems("organization.json", record)
    if problems:
        field, message = problems[0]
        raise InvalidEntryError(field, message)


def save_organization(
    session: Session, actor: Actor, fields: Mapping[str, str], organization_id: str | None = None
) -> str:
    """Create an organisation (``organization_id`` ``None``) or change one; returns its id.

    Raises
    ------
    PermissionDeniedError
        Creating needs a lead-agency admin; changing needs an admin of that organisation or of the lead agency.
    InvalidEntryError
        Naming the field that breaks the schema or our text rules.
    """
    if organization_id is None and not actor.lead_admin:
        record_refusal(session, "denied", user_name=actor.name, target="organisations", detail="create")
        msg = "you may not create organisations: only the lead agency's admins may"
        raise PermissionDeniedError(msg)
    if organization_id is not None and not actor.administers(organization_id):
        record_refusal(session, "denied", user_name=actor.name, target=f"organisation {organization_id}", detail="edit")
        msg = "you may not change this organisation: only its admins or the lead agency's may"
        raise PermissionDeniedError(msg)
    before = organization_record(session, organization_id) if organization_id else None
    if organization_id is not None and before is None:
        msg = f"no organisation {organization_id}"
        raise EntryNotFoundError(msg)
    record: dict[str, Any] = dict(before or {"id": str(uuid.uuid4())})
    for field in ORGANIZATION_FIELDS:
        value = (fields.get(field) or "").strip()
        if value:
            record[field] = value
        elif field not in ("name", "description"):
            record.pop(field, None)
        else:
            record[field] = value
    _check({k: v for k, v in record.items() if k != "organization_identifiers"})
    row = session.get(Organization, record["id"]) or Organization(id=record["id"])
    apply_record(row, "organizations", record)
    session.add(row)
    session.flush()
    after = organization_record(session, row.id)
    changes = diff_snapshots({"organizations": [before]} if before else None, {"organizations": [after]},
                             ("organizations",))  # fmt: skip
    if changes:
        record_version(session, Version(
            entity_type="organization", entity_id=row.id, organization_id=row.id, user_name=actor.name,
            action="create" if before is None else "edit", snapshot={"organizations": [after]}, changes=changes,
        ))  # fmt: skip
        bump_revision(session)
    return row.id


def set_requires_approval(session: Session, actor: Actor, organization_id: str, required: bool) -> None:
    """Whether this organisation's edits wait for a lead admin's approval (lead-agency admins only)."""
    if not actor.lead_admin:
        record_refusal(session, "denied", user_name=actor.name, target=f"organisation {organization_id}",
                       detail="approval setting")  # fmt: skip
        msg = "only the lead agency's admins may require approval"
        raise PermissionDeniedError(msg)
    row = session.get(Organization, organization_id)
    if row is None:
        msg = f"no organisation {organization_id}"
        raise EntryNotFoundError(msg)
    row.requires_approval = required
    record_event(session, "approval", user_name=actor.name, target=f"organisation {organization_id}",
                 detail="edits wait for approval" if required else "edits publish at once")  # fmt: skip
