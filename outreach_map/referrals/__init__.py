"""Referrals between partner agencies: making and answering them, encryption at rest, email, retention.

- :mod:`.workflow`: needs, states, who may see and change what, every view and change recorded.
- :mod:`.crypto`: the Fernet key and sealed client details.
- :mod:`.notify`: email to the receiving organisation's role mailbox (no personal data).
- :mod:`.retention`: client details deleted after the retention period.
"""

from __future__ import annotations

from ..config import MailSettings as MailSettings
from .crypto import ClientCipher as ClientCipher
from .crypto import load_cipher as load_cipher
from .notify import notify_referral as notify_referral
from .retention import purge_expired as purge_expired
from .workflow import NEEDS as NEEDS
from .workflow import ClientDetails as ClientDetails
from .workflow import ReferralRequest as ReferralRequest
from .workflow import make_referral as make_referral

__all__ = [
    "NEEDS",
    "ClientCipher",
    "ClientDetails",
    "MailSettings",
    "ReferralRequest",
    "load_cipher",
    "make_referral",
    "notify_referral",
    "purge_expired",
]
