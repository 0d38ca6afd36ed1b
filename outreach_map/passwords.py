"""Which passwords staff may choose: long enough, and not easy to guess.

A password needs :data:`MIN_PASSWORD_LENGTH` characters and must not be
guessable: it is scored by zxcvbn (Dropbox's estimator, in the ``zxcvbn``
package, MIT licence), which knows the 30,000 most common passwords of its
packaged frequency lists (from leaked password sets), English words, names
and surnames, and sees repeats (``aaaaaaaaaa``, ten spaces), sequences
(``abcdefghij``, ``1234567890``), keyboard runs (``qwertyuiop``), dates and
common substitutions. A password must reach :data:`MIN_SCORE` (about 10^8
guesses), with the user's own name, email and the site's words counted as
known to an attacker.

Examples
--------
>>> check_password("correct horse battery", name="alex")
>>> check_password("a" * 10, name="alex")
Traceback (most recent call last):
...
outreach_map.errors.AccountError: the password is too easy to guess: Repeats like "aaa" are easy to guess. ...
"""

from __future__ import annotations

import re
from typing import Any

from .errors import AccountError

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "MIN_SCORE", "check_password"]

MIN_PASSWORD_LENGTH = 10
#: Longer passwords are refused (the login form takes no more).
MAX_PASSWORD_LENGTH = 256
#: zxcvbn's score, 0-4: 3 is "safely unguessable: moderate protection from an offline slow-hash attack".
MIN_SCORE = 3
#: zxcvbn reads no further than this (its own limit); a longer password is scored on its beginning.
_SCORED_LENGTH = 72
#: Words an attacker of this site would try first.
SITE_WORDS = ("outreach", "outreachmap", "northants", "northamptonshire", "daventry", "towcester", "brackley")


def _estimate(password: str, known: list[str]) -> dict[str, Any]:
    from zxcvbn import zxcvbn  # imported on use: it loads its word lists (about 50 ms)

    result: dict[str, Any] = zxcvbn(password[:_SCORED_LENGTH], user_inputs=known)
    return result


def check_password(password: str, *, name: str, email: str | None = None) -> None:
    """Refuse a password that is too short, too long or too easy to guess, saying why.

    Parameters
    ----------
    password
        The candidate.
    name, email
        The account's user name and email address (a password built on them is easy to guess).

    Raises
    ------
    AccountError
        Naming what is wrong (never repeating the password).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        msg = f"the password is too short; expected at least {MIN_PASSWORD_LENGTH} characters"
        raise AccountError(msg)
    if len(password) > MAX_PASSWORD_LENGTH:
        msg = f"the password is too long; expected at most {MAX_PASSWORD_LENGTH} characters"
        raise AccountError(msg)
    if not password.strip():
        msg = "the password is only spaces; expected words or other characters"
        raise AccountError(msg)
    known = [name, *re.split(r"[^A-Za-z0-9]+", name), *SITE_WORDS]
    if email:
        known += [email, email.partition("@")[0]]
    result = _estimate(password, [k for k in known if k])
    if result["score"] < MIN_SCORE:
        feedback = result["feedback"]
        why = " ".join([feedback["warning"], *feedback["suggestions"]]).strip() or "it is a common pattern."
        msg = f"the password is too easy to guess: {why}"
        raise AccountError(msg)
