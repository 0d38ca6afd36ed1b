"""Lasting contacts, the review report and public feedback."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from outreach_map.accounts import add_membership, add_user, authenticate
from outreach_map.db.engine import session_scope
from outreach_map.db.models import Service
from outreach_map.directory.editing import Actor, actor_for
from outreach_map.directory.feedback import feedback_for, mark_acted, submit_feedback
from outreach_map.directory.review import review_report
from outreach_map.directory.stewards import (
    acknowledge_handover,
    deactivate_user,
    lost_contacts,
    open_handovers,
    set_steward,
    stewards_of,
)
from outreach_map.errors import EntryNotFoundError, InvalidEntryError, PermissionDeniedError

from .conftest import ORG_LIBRARIES, ORG_REFUGE, PASSWORD, SVC_HELPLINE, SVC_LIBRARY, SVC_OLD_LIBRARY, SVC_REFUGE


@pytest.fixture
def staffed(seeded):
    """Refuge's helpline led by rita with rosa as deputy; its refuge led by rita with a role mailbox as deputy."""
    add_user(seeded, "rosa", "editor", PASSWORD)
    add_membership(seeded, "rosa", ORG_REFUGE)
    with session_scope(seeded) as session:
        rita = actor_for(session, "rita")
        set_steward(session, rita, SVC_HELPLINE, "lead", user_name="rita")
        set_steward(session, rita, SVC_HELPLINE, "deputy", user_name="rosa")
        set_steward(session, rita, SVC_REFUGE, "lead", user_name="rita")
        set_steward(session, rita, SVC_REFUGE, "deputy", mailbox="referrals@refuge.example.org", label="Referrals")
    return seeded


def test_leaving_passes_each_service_to_its_deputy(staffed) -> None:
    with session_scope(staffed) as session:
        handovers = deactivate_user(session, actor_for(session, "ada"), "rita")
        assert sorted((h.service_id, h.outcome, h.new_lead) for h in handovers) == sorted(
            [
                (SVC_HELPLINE, "deputy-promoted", "rosa"),
                (SVC_REFUGE, "deputy-promoted", "referrals@refuge.example.org"),
            ]
        )
    with session_scope(staffed) as session:
        assert stewards_of(session, SVC_HELPLINE)["lead"].user_name == "rosa"
        assert "deputy" not in stewards_of(session, SVC_HELPLINE)
        assert stewards_of(session, SVC_REFUGE)["lead"].display == "Referrals <referrals@refuge.example.org>"
        assert len(open_handovers(session, [ORG_REFUGE])) == 2
        assert open_handovers(session, [ORG_LIBRARIES]) == []
    assert authenticate(staffed, "rita", PASSWORD) is None


def test_a_service_left_with_nobody_is_a_lost_contact(staffed) -> None:
    with session_scope(staffed) as session:
        deactivate_user(session, actor_for(session, "ada"), "rosa")
        handovers = deactivate_user(session, actor_for(session, "ada"), "rita")
        outcomes = {h.service_id: h.outcome for h in handovers}
        assert outcomes[SVC_HELPLINE] == "no-contact"
        lost = [s.id for s in lost_contacts(session, [ORG_REFUGE])]
        assert SVC_HELPLINE in lost and SVC_REFUGE not in lost


def test_only_their_organisations_admins_may_deactivate_someone(staffed) -> None:
    with session_scope(staffed) as session:
        with pytest.raises(PermissionDeniedError):
            deactivate_user(session, actor_for(session, "libby"), "rosa")
        deactivate_user(session, actor_for(session, "rita"), "rosa")  # rita is Refuge's admin
    with session_scope(staffed) as session:
        handover = open_handovers(session, [ORG_REFUGE])[0]
        with pytest.raises(PermissionDeniedError):
            acknowledge_handover(session, actor_for(session, "libby"), handover.id)
        acknowledge_handover(session, actor_for(session, "rita"), handover.id)
        assert open_handovers(session, [ORG_REFUGE]) == []


def test_stewards_must_be_staff_of_the_owning_organisation(staffed) -> None:
    with session_scope(staffed) as session:
        rita = actor_for(session, "rita")
        with pytest.raises(InvalidEntryError, match="not active staff"):
            set_steward(session, rita, SVC_HELPLINE, "deputy", user_name="libby")
        with pytest.raises(InvalidEntryError, match="not an email address"):
            set_steward(session, rita, SVC_HELPLINE, "deputy", mailbox="not-an-address")
        with pytest.raises(PermissionDeniedError):
            set_steward(session, actor_for(session, "libby"), SVC_HELPLINE, "lead", user_name="libby")


def test_review_report_lists_overdue_entries_and_lost_contacts_by_organisation(staffed) -> None:
    with session_scope(staffed) as session:
        session.execute(update(Service).where(Service.id == SVC_LIBRARY).values(review_due=date(2026, 1, 1)))
        session.execute(update(Service).where(Service.id == SVC_OLD_LIBRARY).values(review_due=date(2026, 1, 1)))
        report = review_report(session, today=date(2026, 12, 3))
    by_org = {o.name: o for o in report.organizations}
    libraries = by_org["Northamptonshire Libraries"]
    assert [i.name for i in libraries.overdue] == ["Daventry Library"]  # the defunct library is not reviewed
    assert [i.name for i in libraries.lost_contacts] == ["Daventry Library"]
    assert by_org["Refuge"].overdue == () and by_org["Refuge"].lost_contacts == ()
    text = "\n".join(report.lines())
    assert "overdue   Daventry Library (due 2026-01-01, last checked never)" in text
    assert report.totals["overdue"] == 1


def test_feedback_goes_to_the_owning_organisation(seeded) -> None:
    with session_scope(seeded) as session:
        item = submit_feedback(session, SVC_LIBRARY, "  The library moved to the Abbey Centre.\x00 ")
        assert item.message == "The library moved to the Abbey Centre."
        with pytest.raises(InvalidEntryError, match="too short"):
            submit_feedback(session, SVC_LIBRARY, "no")
        with pytest.raises(InvalidEntryError, match="at most"):
            submit_feedback(session, SVC_LIBRARY, "x" * 3000)
        with pytest.raises(EntryNotFoundError):
            submit_feedback(session, "nope", "hello there")
    with session_scope(seeded) as session:
        assert [f.message for f in feedback_for(session, [ORG_LIBRARIES])] == ["The library moved to the Abbey Centre."]
        assert feedback_for(session, [ORG_REFUGE]) == []
        with pytest.raises(PermissionDeniedError):
            mark_acted(session, actor_for(session, "rita"), item.id)
        mark_acted(session, actor_for(session, "libby"), item.id, "Address updated.")
        assert feedback_for(session, [ORG_LIBRARIES]) == []
        assert feedback_for(session, [ORG_LIBRARIES], status="acted")[0].acted_by == "libby"


def test_a_deactivated_account_may_do_nothing(staffed) -> None:
    with session_scope(staffed) as session:
        deactivate_user(session, Actor.system_actor("test"), "rosa")
        rosa = actor_for(session, "rosa")
        assert not rosa.edits(ORG_REFUGE) and not rosa.active
