"""Referrals: states, who may see and change what, encryption at rest, email without personal data, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from outreach_map.accounts import add_membership, add_user
from outreach_map.audit import audit_events
from outreach_map.db.engine import session_scope
from outreach_map.db.models import Organization, Referral, ReferralEvent, Service
from outreach_map.directory.editing import actor_for
from outreach_map.directory.stewards import set_steward
from outreach_map.errors import PermissionDeniedError, ReferralError
from outreach_map.referrals import ClientDetails, MailSettings, ReferralRequest, load_cipher, make_referral
from outreach_map.referrals.notify import notify_referral
from outreach_map.referrals.retention import purge_expired
from outreach_map.referrals.workflow import accept, close, decline, forward, inbox_count, open_referral

from .conftest import ORG_LIBRARIES, PASSWORD, SVC_HELPLINE, SVC_LIBRARY, uid

CLIENT = ClientDetails(
    "Jo Bloggs-Quernby", "mobile 07700 900123, text first", "weekdays after 2pm", "Prefers a woman worker"
)
SECRETS = ("Bloggs-Quernby", "07700 900123", "after 2pm", "woman worker")


@pytest.fixture
def cipher(tmp_path: Path):
    return load_cipher(tmp_path / "instance")


@pytest.fixture
def partners(seeded):
    """A third agency (the police) with its own editor, pc_patel."""
    with session_scope(seeded) as session:
        session.add(Organization(id=uid(13), name="Northamptonshire Police", description="Police force"))
    add_user(seeded, "pc_patel", "editor", PASSWORD)
    add_membership(seeded, "pc_patel", uid(13))
    return seeded


def _refer(engine, cipher, user: str = "libby", service: str = SVC_HELPLINE, **kwargs) -> str:
    request = ReferralRequest(service, kwargs.pop("need", "victim-of-crime"), CLIENT, consent=kwargs.pop("consent", True),
                              safeguarding_checked=kwargs.pop("safeguarding_checked", False))  # fmt: skip
    with session_scope(engine) as session:
        return make_referral(session, actor_for(session, user), request, cipher, **kwargs).key


def _status(engine, key: str) -> str:
    with session_scope(engine) as session:
        return session.scalar(select(Referral.status).where(Referral.key == key)) or ""


def test_a_referral_goes_through_its_states(partners, cipher) -> None:
    key = _refer(partners, cipher)
    assert _status(partners, key) == "sent"
    with session_scope(partners) as session:
        assert inbox_count(session, actor_for(session, "rita")) == 1
        seen = open_referral(session, actor_for(session, "libby"), key, cipher)  # the sender looks: still sent
        assert seen.status == "sent" and seen.client == CLIENT and seen.direction == "sent"
        seen = open_referral(session, actor_for(session, "rita"), key, cipher)
        assert seen.status == "opened" and seen.direction == "received"
        assert inbox_count(session, actor_for(session, "rita")) == 0
    with session_scope(partners) as session:
        with pytest.raises(ReferralError, match="cannot be closed"):
            close(session, actor_for(session, "rita"), key, "supported", "", cipher)
        accept(session, actor_for(session, "rita"), key)
    with session_scope(partners) as session:
        with pytest.raises(ReferralError, match="needs an outcome"):
            close(session, actor_for(session, "rita"), key, "", "", cipher)
        close(session, actor_for(session, "rita"), key, "supported", "Safety plan agreed.", cipher)
    with session_scope(partners) as session:
        actions = [e.action for e in session.scalars(select(ReferralEvent).order_by(ReferralEvent.id))]
        assert actions == ["created", "viewed", "opened", "accepted", "closed"]
        view = open_referral(session, actor_for(session, "libby"), key, cipher)
        assert (view.status, view.outcome, view.outcome_note) == ("closed", "supported", "Safety plan agreed.")


def test_a_decline_needs_a_reason(partners, cipher) -> None:
    key = _refer(partners, cipher)
    with session_scope(partners) as session:
        with pytest.raises(ReferralError, match="needs a reason"):
            decline(session, actor_for(session, "rita"), key, "", "", cipher)
        with pytest.raises(ReferralError, match="note"):
            decline(session, actor_for(session, "rita"), key, "other", " ", cipher)
        with pytest.raises(PermissionDeniedError):
            decline(session, actor_for(session, "libby"), key, "no-capacity", "", cipher)
        decline(session, actor_for(session, "rita"), key, "no-capacity", "", cipher)
    assert _status(partners, key) == "declined"


def test_an_onward_referral_is_linked_both_ways(partners, cipher) -> None:
    key = _refer(partners, cipher)
    with session_scope(partners) as session:
        accept(session, actor_for(session, "rita"), key)
        onward = forward(
            session, actor_for(session, "rita"), key, SVC_LIBRARY, cipher, note="Needs library access too."
        )
        onward_key = onward.key
    assert _status(partners, key) == "forwarded"
    with session_scope(partners) as session:
        first = open_referral(session, actor_for(session, "libby"), key, cipher)
        assert first.forwarded_to == "Daventry Library"
        second = open_referral(session, actor_for(session, "libby"), onward_key, cipher)
        assert second.direction == "received" and second.client is not None
        assert second.client.name == CLIENT.name and "Needs library access too." in second.client.notes
        assert second.from_organization == "Refuge"


def test_a_third_organisation_sees_nothing_and_is_logged(partners, cipher) -> None:
    key = _refer(partners, cipher)
    with session_scope(partners) as session:
        with pytest.raises(PermissionDeniedError):
            open_referral(session, actor_for(session, "pc_patel"), key, cipher)
        with pytest.raises(PermissionDeniedError):
            open_referral(session, actor_for(session, "pc_patel"), key[:-1] + ("0" if key[-1] != "0" else "1"), cipher)
        with pytest.raises(PermissionDeniedError):
            accept(session, actor_for(session, "ada"), key)  # not even the lead admin
    with session_scope(partners) as session:
        denied = audit_events(session, actions=["denied"])
        assert [e.user_name for e in denied] == ["ada", "pc_patel", "pc_patel"]
        assert all(CLIENT.name not in (e.detail or "") for e in denied)
    assert _status(partners, key) == "sent"


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"consent": False}, "consented"),
        ({"need": "shopping"}, "unknown need"),
        ({"need": "domestic-abuse"}, "safeguarding"),
        ({"service": SVC_LIBRARY}, "your own organisation"),
    ],
)
def test_referrals_that_cannot_be_made(partners, cipher, kwargs, words: str) -> None:
    with pytest.raises(ReferralError, match=words) as info:
        _refer(partners, cipher, **kwargs)
    assert all(secret not in str(info.value) for secret in SECRETS)


def test_a_service_that_takes_no_referrals(partners, cipher) -> None:
    with session_scope(partners) as session:
        session.get(Service, SVC_HELPLINE).accepts_referrals = False  # type: ignore[union-attr]
    with pytest.raises(ReferralError, match="does not take referrals"):
        _refer(partners, cipher)


def test_client_details_are_encrypted_at_rest(partners, cipher, db_url: str) -> None:
    key = _refer(partners, cipher)
    with session_scope(partners) as session:
        row = session.scalar(select(Referral).where(Referral.key == key))
        assert row is not None
        stored = " ".join(str(v) for v in (row.client_name, row.client_contact, row.client_safe_times, row.notes))
        dump = " ".join(str(r) for r in session.execute(text("SELECT * FROM referrals")))
    for secret in SECRETS:
        assert secret not in stored and secret not in dump
    if db_url.startswith("sqlite"):
        partners.dispose()
        raw = Path(db_url.removeprefix("sqlite:///")).read_bytes()
        wal = Path(db_url.removeprefix("sqlite:///") + "-wal")
        raw += wal.read_bytes() if wal.exists() else b""
        for secret in SECRETS:
            assert secret.encode() not in raw


def test_details_cannot_be_read_with_another_key(partners, cipher, tmp_path: Path) -> None:
    key = _refer(partners, cipher)
    other = load_cipher(tmp_path / "elsewhere")
    with session_scope(partners) as session, pytest.raises(ReferralError, match="cannot be decrypted"):
        open_referral(session, actor_for(session, "rita"), key, other)


def test_purge_after_the_retention_period_keeps_anonymous_counts(partners, cipher) -> None:
    old, recent, open_one = (_refer(partners, cipher) for _ in range(3))
    for key, months_ago in ((old, 25), (recent, 23)):
        with session_scope(partners) as session:
            decline(session, actor_for(session, "rita"), key, "no-capacity", "Call back in spring.", cipher)
            row = session.scalar(select(Referral).where(Referral.key == key))
            row.ended_at = datetime.now(UTC) - timedelta(days=31 * months_ago)  # type: ignore[union-attr]
    with session_scope(partners) as session:
        result = purge_expired(session)
    assert (result.purged, result.kept) == (1, 1)
    with session_scope(partners) as session:
        rows = {r.key: r for r in session.scalars(select(Referral))}
        assert rows[old].client_name is None and rows[old].decline_note is None and rows[old].purged_at is not None
        assert (rows[old].status, rows[old].need, rows[old].decline_reason) == (
            "declined",
            "victim-of-crime",
            "no-capacity",
        )
        assert rows[recent].client_name is not None and rows[open_one].client_name is not None
        view = open_referral(session, actor_for(session, "rita"), old, cipher)
        assert view.client is None and view.purged
    with session_scope(partners) as session:
        assert purge_expired(session).purged == 0


def test_the_email_goes_to_the_role_mailbox_and_holds_no_personal_data(partners, cipher, smtp_server) -> None:
    with session_scope(partners) as session:
        set_steward(session, actor_for(session, "rita"), SVC_HELPLINE, "lead", mailbox="referrals@refuge.example.org")
    key = _refer(partners, cipher)
    settings = MailSettings(host="127.0.0.1", port=smtp_server.port, sender="noreply@outreach.example",
                            site_url="https://outreach.example")  # fmt: skip
    with session_scope(partners) as session:
        referral = session.scalar(select(Referral).where(Referral.key == key))
        assert referral is not None and notify_referral(session, referral, settings)
        reference = referral.reference
    [message] = smtp_server.messages
    assert message["To"] == "referrals@refuge.example.org"
    body = message.get_payload(decode=True).decode()
    assert reference in message["Subject"] and f"https://outreach.example/referrals/{key}" in body
    whole = message.as_string()
    for secret in (*SECRETS, "victim", "crime"):
        assert secret not in whole


def test_without_a_mailbox_the_email_goes_to_the_organisations_staff(partners, cipher, smtp_server) -> None:
    key = _refer(partners, cipher, user="rita", service=SVC_LIBRARY, need="library-access")
    settings = MailSettings(host="127.0.0.1", port=smtp_server.port)
    with session_scope(partners) as session:
        referral = session.scalar(select(Referral).where(Referral.key == key))
        assert referral is not None and notify_referral(session, referral, settings)
    assert smtp_server.messages[0]["To"] == "libby@example.org"
    assert ORG_LIBRARIES not in smtp_server.messages[0].as_string()


def test_a_mail_server_that_is_down_is_reported_not_fatal(partners, cipher) -> None:
    key = _refer(partners, cipher)
    with session_scope(partners) as session:
        referral = session.scalar(select(Referral).where(Referral.key == key))
        assert referral is not None
        assert not notify_referral(session, referral, MailSettings(host="127.0.0.1", port=1, timeout_s=2))
        assert referral.notified is False
