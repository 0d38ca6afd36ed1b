"""Staff accounts: password rules, equal work for unknown names, locks after failed logins, session keys, audit."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from outreach_map import accounts
from outreach_map.accounts import (
    LoginPolicy,
    add_membership,
    add_user,
    log_in,
    log_out,
    prepare_logins,
    remove_membership,
    remove_user,
    session_token,
    session_user,
    unlock,
)
from outreach_map.audit import audit_events
from outreach_map.db.engine import open_engine, session_scope
from outreach_map.db.models import LoginFailure
from outreach_map.errors import AccountError
from outreach_map.passwords import check_password

from .conftest import ORG_LIBRARIES, PASSWORD

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
POLICY = LoginPolicy(attempts=5, lockout=timedelta(minutes=15))


@pytest.fixture
def engine(db_url: str) -> Any:
    """The newest schema with one editor, libby."""
    engine = open_engine(db_url)
    add_user(engine, "libby", "editor", PASSWORD)
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    "password",
    [
        "a" * 10,  # ten of one letter
        " " * 10,  # ten spaces
        "aaaaabbbbb",
        "abcdefghij",  # a sequence
        "1234567890",
        "qwertyuiop",  # a keyboard row
        "password123",  # a common password
        "Password1234",
        "letmein12345",
        "libby-libby-libby",  # built on the user name
        "Kq7!zP",  # too short
    ],
)
def test_weak_passwords_are_refused(engine: Engine, password: str) -> None:
    with pytest.raises(AccountError) as info:
        add_user(engine, "libby", "editor", password)
    assert password.strip() == "" or password not in str(info.value)  # the message never repeats it
    assert "password" in str(info.value)


@pytest.mark.parametrize("password", [PASSWORD, "planner-password", "tr0ub4dor&3x", "W7#kq!2zPm"])
def test_strong_passwords_are_accepted(password: str) -> None:
    check_password(password, name="libby")


def test_overlong_passwords_are_refused() -> None:
    with pytest.raises(AccountError, match="too long"):
        check_password("x7!Kq" * 60, name="libby")


def _count_derivations(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Every key derivation werkzeug runs (pbkdf2 in the tests, scrypt on the site), with its parameters."""
    calls: list[tuple[Any, ...]] = []
    for name in ("pbkdf2_hmac", "scrypt"):
        real = getattr(hashlib, name)

        def counting(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            calls.append((_name, args[0] if _name == "pbkdf2_hmac" else None, kwargs.get("n"), args[3:]))
            return _real(*args, **kwargs)

        monkeypatch.setattr(hashlib, name, counting)
    return calls


def test_an_unknown_name_costs_the_same_work_as_a_real_one_from_the_first_try(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Failed logins for a real name and an unknown one run one identical key derivation each, even the first."""
    accounts._dummy_hash.cache_clear()  # a site that has just started...
    prepare_logins()  # ...as create_app does
    calls = _count_derivations(monkeypatch)
    log_in(engine, "libby", "not-her-password", policy=POLICY)
    real = list(calls)
    calls.clear()
    log_in(engine, "nobody-here", "not-her-password", policy=POLICY)
    assert len(real) == 1 and calls == real  # same function, same hash, same rounds


def test_failed_logins_lock_a_name_for_a_while_and_it_is_in_the_audit_log(engine: Engine) -> None:
    for minute in range(4):
        assert log_in(engine, "libby", "wrong", policy=POLICY, now=T0 + timedelta(minutes=minute)).locked_until is None
    fifth = log_in(engine, "libby", "wrong", policy=POLICY, now=T0 + timedelta(minutes=4))
    assert fifth.user is None and fifth.locked_until == T0 + timedelta(minutes=19)
    locked = log_in(engine, "libby", PASSWORD, policy=POLICY, now=T0 + timedelta(minutes=10))
    assert locked.user is None and locked.locked_until == fifth.locked_until  # even the right password
    after = log_in(engine, "libby", PASSWORD, policy=POLICY, now=T0 + timedelta(minutes=20))
    assert after.user is not None and after.user.name == "libby"
    with session_scope(engine) as session:
        assert session.get(LoginFailure, "libby") is None  # a success forgets the failures
        events = audit_events(session, actions=["login", "login-failed", "login-locked"])
    actions = [e.action for e in reversed(events)]
    assert actions == ["login-failed"] * 5 + ["login-locked", "login-failed", "login"]
    lock = next(e for e in events if e.action == "login-locked")
    assert lock.target == "user libby" and "5 failed logins" in (lock.detail or "")
    assert all(PASSWORD not in (e.detail or "") and "wrong" not in (e.target or "") for e in events)


def test_unknown_names_lock_the_same_way_so_a_lock_says_nobody_exists(engine: Engine) -> None:
    answers = {}
    for name in ("libby", "nobody-here"):
        results = [log_in(engine, name, "wrong", policy=POLICY, now=T0 + timedelta(seconds=i)) for i in range(7)]
        answers[name] = [(r.user, r.locked_until) for r in results]
    assert answers["libby"] == answers["nobody-here"]
    assert answers["libby"][4][1] is not None


def test_failures_spread_over_longer_than_the_window_do_not_lock(engine: Engine) -> None:
    for hour in range(8):
        result = log_in(engine, "libby", "wrong", policy=POLICY, now=T0 + timedelta(hours=hour))
        assert result.locked_until is None


def test_unlock_and_a_password_reset_lift_the_lock(engine: Engine) -> None:
    for i in range(5):
        log_in(engine, "libby", "wrong", policy=POLICY, now=datetime.now(UTC) + timedelta(seconds=i))
    assert log_in(engine, "libby", PASSWORD, policy=POLICY).user is None
    assert unlock(engine, "Libby", by="cli:users unlock")
    assert log_in(engine, "libby", PASSWORD, policy=POLICY).user is not None
    for i in range(5):
        log_in(engine, "libby", "wrong", policy=POLICY, now=datetime.now(UTC) + timedelta(seconds=i))
    add_user(engine, "libby", "editor", "a new passphrase here", by="cli:users add")
    assert log_in(engine, "libby", "a new passphrase here", policy=POLICY).user is not None


def test_a_session_token_stops_working_after_logout_reset_and_deactivation(engine: Engine) -> None:
    from outreach_map.directory.editing import Actor
    from outreach_map.directory.stewards import deactivate_user

    def fresh_token() -> str:
        user = log_in(engine, "libby", PASSWORD, policy=POLICY).user
        assert user is not None
        return session_token(user)

    token = fresh_token()
    found = session_user(engine, token)
    assert found is not None and found.name == "libby"
    assert fresh_token() == token  # a second device shares the key until one of them logs out
    log_out(engine, found.id)
    assert session_user(engine, token) is None
    token = fresh_token()
    add_user(engine, "libby", "editor", PASSWORD)  # a password reset
    assert session_user(engine, token) is None
    token = fresh_token()
    with session_scope(engine) as session:
        deactivate_user(session, Actor.system_actor("cli:deactivate"), "libby")
    assert session_user(engine, token) is None
    add_user(engine, "libby", "editor", PASSWORD)  # reactivated: the old cookie still does not work
    assert session_user(engine, token) is None
    for forged in ("", "1", f"{found.id}:", f"{found.id}:guess", "x:y", token.split(":")[1]):
        assert session_user(engine, forged) is None


def test_account_changes_are_in_the_audit_log(seeded: Engine) -> None:
    engine = seeded
    add_user(engine, "rosa", "editor", PASSWORD, by="cli:users add")
    add_user(engine, "rosa", "planner", PASSWORD, by="cli:users add")
    add_membership(engine, "rosa", ORG_LIBRARIES, by="cli:users member")
    remove_membership(engine, "rosa", ORG_LIBRARIES, by="cli:users unmember")
    remove_user(engine, "rosa", by="cli:users remove")
    with session_scope(engine) as session:
        events = [e for e in reversed(audit_events(session)) if e.target == "user rosa"]
    assert [(e.action, e.user_name) for e in events] == [
        ("user-added", "cli:users add"), ("user-reset", "cli:users add"), ("membership", "cli:users member"),
        ("unmembership", "cli:users unmember"), ("user-removed", "cli:users remove"),
    ]  # fmt: skip
    assert "sessions ended" in (events[1].detail or "")
    with session_scope(engine) as session:
        assert session.scalar(select(LoginFailure)) is None


def test_the_users_commands_refuse_weak_passwords_unlock_and_are_audited(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from outreach_map.accounts import make_engine
    from outreach_map.cli import main

    runner = CliRunner()
    weak = runner.invoke(main, ["users", "add", "alex", "--role", "editor", "--password-stdin"], input=" " * 10)
    assert weak.exit_code == 2 and len(weak.output.strip().splitlines()) == 1 and "password" in weak.output
    added = runner.invoke(main, ["users", "add", "alex", "--role", "editor", "--password-stdin"], input=PASSWORD)
    assert added.exit_code == 0, added.output
    engine = make_engine(f"sqlite:///{tmp_path / 'instance' / 'outreach.db'}")
    for i in range(5):
        log_in(engine, "alex", "wrong", policy=POLICY, now=datetime.now(UTC) + timedelta(seconds=i))
    assert log_in(engine, "alex", PASSWORD, policy=POLICY).user is None
    unlocked = runner.invoke(main, ["users", "unlock", "alex"])
    assert unlocked.exit_code == 0 and "unlocked" in unlocked.output
    assert log_in(engine, "alex", PASSWORD, policy=POLICY).user is not None
    assert "had no failed logins" in runner.invoke(main, ["users", "unlock", "alex"]).output
    with session_scope(engine) as session:
        actions = [(e.action, e.user_name) for e in reversed(audit_events(session, actions=["user-added", "unlock"]))]
    assert actions == [("user-added", "cli:users add"), ("unlock", "cli:users unlock")]
    engine.dispose()


def test_concurrent_failed_logins_for_a_new_name_are_all_counted(engine: Engine) -> None:
    """Six failures at once for a name never seen: no error from two first rows at once, and the fifth locks."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: log_in(engine, "racer", "wrong", policy=POLICY), range(6)))
    assert all(r.user is None for r in results)
    assert sum(r.locked_until is not None for r in results) >= 2  # the fifth locks; the sixth finds it locked
    with session_scope(engine) as session:
        row = session.get(LoginFailure, "racer")
        assert row is not None and row.failures == 5 and row.locked_until is not None
