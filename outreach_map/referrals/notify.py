"""Email to the receiving organisation: a reference number and a link, never a person's details.

Messages go to the service's role mailboxes (its lead contact and deputy in
the directory), so they still arrive when staff move on; failing those, to
the organisation's address, then to its active staff. SMTP settings come
from the configuration; tests run a local SMTP server.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import MailSettings
from ..db.models import Membership, Organization, Referral, Service, Steward, User

__all__ = ["MailSettings", "notify_referral", "referral_message", "referral_recipients", "send_mail"]

log = logging.getLogger("outreach_map.referrals")


def referral_recipients(session: Session, service_id: str) -> list[str]:
    """Where a referral to the service is announced: role mailboxes, else the organisation, else its staff."""
    stewards = session.scalars(select(Steward).where(Steward.service_id == service_id).order_by(Steward.duty.desc()))
    mailboxes = [s.mailbox for s in stewards if s.mailbox]
    if mailboxes:
        return list(dict.fromkeys(mailboxes))
    service = session.get(Service, service_id)
    if service is None:
        return []
    organization = session.get(Organization, service.organization_id)
    if organization is not None and organization.email:
        return [organization.email]
    staff = session.scalars(
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == service.organization_id, User.active.is_(True), User.email.is_not(None))
        .order_by(User.name)
    )
    return [e for e in staff if e]


def referral_message(
    referral: Referral, service_name: str, settings: MailSettings, recipients: list[str]
) -> EmailMessage:
    """The announcement of a new referral: reference, service and link only."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = f"New referral {referral.reference} for {service_name}"
    link = f"{settings.site_url.rstrip('/')}/referrals/{referral.key}"
    message.set_content(
        f"A partner agency has sent a referral to {service_name}.\n\n"
        f"Reference: {referral.reference}\n"
        f"Open it (staff login needed):\n{link}\n\n"
        "For the person's safety this email holds none of their\n"
        "details. Please do not reply with any.\n"
    )
    return message


def send_mail(settings: MailSettings, message: EmailMessage) -> bool:
    """Send one message; ``False`` (and a log line without its content) when the server cannot be reached."""
    if not settings.enabled:
        log.warning("email is off (no SMTP host): %s not sent", message["Subject"].split(" for ")[0])
        return False
    try:
        with smtplib.SMTP(settings.host or "", settings.port, timeout=settings.timeout_s) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("email not sent (%s): %s", exc.__class__.__name__, message["Subject"].split(" for ")[0])
        return False
    return True


def notify_referral(session: Session, referral: Referral, settings: MailSettings) -> bool:
    """Announce a referral to the receiving organisation; records whether it went."""
    service = session.get(Service, referral.to_service_id)
    recipients = referral_recipients(session, referral.to_service_id)
    if service is None or not recipients:
        log.warning("no address to announce referral %s", referral.reference)
        return False
    referral.notified = send_mail(settings, referral_message(referral, service.name, settings, recipients))
    return referral.notified
