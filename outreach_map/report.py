"""The partnership's monthly report: referrals, coverage, outreach visits and directory upkeep.

``outreach-map report --from YYYY-MM --to YYYY-MM --out report.html`` and
``/report`` build the same :class:`PartnershipReport`: every figure is a
table (also written as CSV), the main ones are drawn as inline SVG bar
charts, and the page prints cleanly. It holds counts only: no client's
details, no staff member's name beyond the organisations.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ._files import write_text_atomic
from .coverage import CORE_AREA, compute_coverage, facilities_of
from .dataset import Dataset
from .db.models import Organization, Referral
from .directory.review import review_report
from .errors import ReportError
from .published import Timetable
from .referrals.workflow import NEEDS
from .svgchart import bar_chart
from .traveltime import TravelTimes

__all__ = [
    "AGENCY_KINDS",
    "PartnershipReport",
    "Period",
    "ReportTable",
    "build_report",
    "parse_period",
    "render_report",
    "write_report",
]

#: The service kinds of the partner agencies whose coverage the report shows.
AGENCY_KINDS = ("victim-support", "domestic-abuse-support", "police", "library", "childrens-centre")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True)
class Period:
    """Whole months, ``start`` (the 1st of the first month) to ``end`` (the last day of the last)."""

    start: date
    end: date

    @property
    def label(self) -> str:
        first, last = f"{self.start:%B %Y}", f"{self.end:%B %Y}"
        return first if first == last else f"{first} to {last}"

    def moments(self) -> tuple[datetime, datetime]:
        """Start and end as aware datetimes (end exclusive)."""
        return (datetime.combine(self.start, datetime.min.time(), tzinfo=UTC),
                datetime.combine(self.end + timedelta(days=1), datetime.min.time(), tzinfo=UTC))  # fmt: skip


def parse_period(start: str, end: str) -> Period:
    """The period from two ``YYYY-MM`` months.

    Raises
    ------
    ReportError
        Naming ``--from`` or ``--to`` for a month that is not ``YYYY-MM``, or an end before the start.
    """
    days = []
    for name, text in (("--from", start), ("--to", end)):
        match = _MONTH.match(text.strip())
        if match is None:
            msg = f"{name}: {text!r} is not a month; expected YYYY-MM, e.g. 2026-11"
            raise ReportError(msg)
        days.append((int(match.group(1)), int(match.group(2))))
    (y0, m0), (y1, m1) = days
    if (y1, m1) < (y0, m0):
        msg = f"--to: {end} is before --from {start}; expected a later or equal month"
        raise ReportError(msg)
    return Period(date(y0, m0, 1), date(y1, m1, calendar.monthrange(y1, m1)[1]))


@dataclass(frozen=True, slots=True)
class ReportTable:
    """One table of the report (``name`` is the CSV file's stem)."""

    name: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return out.getvalue()


@dataclass(frozen=True)
class PartnershipReport:
    """Everything the report shows."""

    period: Period
    generated: datetime
    tables: tuple[ReportTable, ...]
    charts: tuple[tuple[str, str], ...] = ()
    headline: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def table(self, name: str) -> ReportTable:
        return next(t for t in self.tables if t.name == name)


# --- referrals --------------------------------------------------------------------------------------------------


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _median_days(referrals: Iterable[Referral]) -> str:
    days = [(r.accepted_at - r.created_at).total_seconds() / 86400 for r in referrals if r.accepted_at is not None]
    return f"{statistics.median(days):.1f}" if days else "-"


def _referral_tables(session: Session, period: Period) -> tuple[list[ReportTable], dict[str, Any]]:
    start, end = period.moments()
    referrals = list(session.scalars(select(Referral).where(Referral.created_at >= start, Referral.created_at < end)))
    names = {o.id: o.name for o in session.scalars(select(Organization))}
    orgs = sorted({r.from_organization_id for r in referrals} | {r.to_organization_id for r in referrals},
                  key=lambda o: names.get(o, o))  # fmt: skip
    by_org = []
    for org in orgs:
        received = [r for r in referrals if r.to_organization_id == org]
        accepted = [r for r in received if r.accepted_at is not None]
        declined = [r for r in received if r.status == "declined"]
        by_org.append((
            names.get(org, org), sum(r.from_organization_id == org for r in referrals), len(received), len(accepted),
            len(declined), sum(r.status == "closed" for r in received), sum(r.status == "forwarded" for r in received),
            _share(len(accepted), len(accepted) + len(declined)), _median_days(received),
        ))  # fmt: skip
    by_need = []
    for code, need in NEEDS.items():
        mine = [r for r in referrals if r.need == code]
        taken = sum(r.accepted_at is not None for r in mine)
        refused = sum(r.status == "declined" for r in mine)
        by_need.append((need.label, len(mine), taken, refused, _share(taken, taken + refused)))
    onward = Counter(
        (names.get(r.from_organization_id, "?"), names.get(r.to_organization_id, "?"))
        for r in referrals if r.forwarded_from_id is not None
    )  # fmt: skip
    accepted_all = sum(r.accepted_at is not None for r in referrals)
    declined_all = sum(r.status == "declined" for r in referrals)
    headline = {
        "referrals": len(referrals), "accepted share": _share(accepted_all, accepted_all + declined_all),
        "median days to accept": _median_days(referrals), "onward referrals": sum(onward.values()),
    }  # fmt: skip
    tables = [
        ReportTable("referrals-by-organisation", "Referrals by organisation",
                    ("organisation", "sent", "received", "accepted", "declined", "closed", "referred on",
                     "accepted share", "median days to accept"), tuple(by_org),
                    "Referrals made in the period; accepted share is of those accepted or declined."),
        ReportTable("referrals-by-need", "Referrals by need", ("need", "referrals", "accepted", "declined",
                    "accepted share"), tuple(by_need)),
        ReportTable("onward-referrals", "Onward referrals", ("from", "to", "referrals"),
                    tuple((a, b, n) for (a, b), n in sorted(onward.items()))),
    ]  # fmt: skip
    return tables, headline


# --- coverage and outreach --------------------------------------------------------------------------------------


def _coverage_table(data: Dataset, times: TravelTimes) -> ReportTable:
    villages = [v for v in data.villages if v.in_core_area]
    names = {k.term: k.name for k in data.directory.kinds}
    rows = []
    for kind in AGENCY_KINDS:
        if kind not in data.directory.kind_terms():
            continue
        facilities = facilities_of(data.directory, kind)
        result = compute_coverage(villages, facilities, times, kind=kind, threshold=30)
        core = next(s for s in result.summaries() if s.area == CORE_AREA)
        gaps = result.gaps(30)
        rows.append((
            names[kind], core.population, f"{core.percent_within[15]:.1f}", f"{core.percent_within[30]:.1f}", len(gaps),
            sum(g.village.population for g in gaps), "yes" if result.uses_examples else "no",
        ))  # fmt: skip
    note = "Road times on the embedded network are approximate." if times.approximate else ""
    note += " Kinds marked 'examples' count invented EXAMPLE locations: their figures are illustrations."
    return ReportTable(
        "coverage", "Coverage of the partner agencies' services (former Daventry and South Northamptonshire)",
        ("kind", "population", "% within 15 min", "% within 30 min", "gap villages (over 30 min)",
         "people in gap villages", "uses examples"), tuple(rows), note.strip(),
    )  # fmt: skip


def _chart_label(row: tuple[Any, ...]) -> str:
    """A coverage row's kind, marked when its figure counts invented EXAMPLE locations."""
    return f"{row[0]} (EXAMPLES)" if row[-1] == "yes" else str(row[0])


def _dated_runs(timetable: Timetable, period: Period) -> Iterable[tuple[date, Any]]:
    days = 7 * timetable.cycle_weeks
    for run in timetable.runs:
        day = timetable.first_date(run.week, run.weekday)
        while day <= period.end:
            if day >= period.start:
                yield day, run
            day += timedelta(days=days)


def _outreach_table(timetables: Sequence[Timetable], period: Period) -> ReportTable:
    rows = []
    for timetable in timetables:
        library = outreach = 0
        villages: set[str] = set()
        for _, run in _dated_runs(timetable, period):
            library += len(run.visits)
            if run.outreach:
                outreach += len(run.visits)
                villages |= {v.stop for v in run.visits}
        worker = timetable.outreach.worker if timetable.outreach else "-"
        rows.append((timetable.plan_id, library, worker, outreach, len(villages)))
    return ReportTable(
        "outreach-visits", "Mobile library and outreach visits in the published timetables",
        ("timetable", "mobile library visits", "outreach worker", "outreach visits", "villages reached by outreach"),
        tuple(rows), "Visits the timetables schedule in the period; this is not a record of visits made.",
    )  # fmt: skip


def _review_table(session: Session, today: date) -> ReportTable:
    report = review_report(session, today=today)
    rows = tuple((o.name, len(o.overdue), len(o.lost_contacts), o.open_feedback) for o in report.organizations)
    return ReportTable(
        "directory-review", "Directory entries overdue for review",
        ("organisation", "overdue", "no lead contact or deputy", "open feedback"), rows,
        f"Partner agencies with staff accounts; {report.unlisted_overdue} overdue entries of other organisations "
        "(from open data) are not listed.",
    )  # fmt: skip


def build_report(
    session: Session,
    data: Dataset,
    times: TravelTimes,
    timetables: Sequence[Timetable],
    period: Period,
    *,
    today: date | None = None,
) -> PartnershipReport:
    """The report for a period (coverage and review as they are on ``today``)."""
    day = today or datetime.now(UTC).date()
    referral_tables, headline = _referral_tables(session, period)
    coverage = _coverage_table(data, times)
    tables = (*referral_tables, coverage, _outreach_table(timetables, period), _review_table(session, day))
    by_need = next(t for t in referral_tables if t.name == "referrals-by-need")
    charts = (
        ("Referrals by need", bar_chart([(r[0], float(r[1])) for r in by_need.rows], title="Referrals by need",
                                        unit="")),
        ("Population within 30 minutes by road", bar_chart([(_chart_label(r), float(r[3])) for r in coverage.rows],
                                                          title="% of people within 30 minutes", unit="%",
                                                          maximum=100.0)),
    )  # fmt: skip
    notes = ("No personal data: counts of referrals by organisation and need only.",)
    return PartnershipReport(period, datetime.now(UTC), tables, charts, headline, notes)


def render_report(report: PartnershipReport, template_dir: Path) -> str:
    """The report as a printable HTML page (``templates/report.html``, no external assets)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(template_dir), autoescape=select_autoescape(["html"]))
    return env.get_template("report.html").render(report=report, standalone=True)


def write_report(report: PartnershipReport, out: Path, template_dir: Path) -> list[Path]:
    """Write the HTML page and one CSV per table beside it (``report-<table>.csv``); returns the files."""
    write_text_atomic(out, render_report(report, template_dir))
    written = [out]
    for table in report.tables:
        path = out.with_name(f"{out.stem}-{table.name}.csv")
        write_text_atomic(path, table.csv())
        written.append(path)
    return written
