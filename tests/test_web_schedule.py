"""The schedulers' pages on the job queue: every field checked first, queued with a place, published once.

The app's own queue (``resources().jobs``) is run by a worker in threads of
the test process, as ``outreach-map worker`` would in its own.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from outreach_map.accounts import add_user
from outreach_map.audit import audit_events
from outreach_map.db.engine import session_scope
from outreach_map.jobs import JobQueue
from outreach_map.web import create_app

from .test_jobs import running_worker, wait_for
from .test_published import tiny_plan
from .test_web import _csrf, login, map_data


def _app(tiny_data: Path, tmp_path: Path) -> Flask:
    routes = tmp_path / "routes"
    if not (routes / "tiny").exists():
        (routes / "tiny").mkdir(parents=True)
        (routes / "tiny" / "plan.json").write_text(json.dumps(tiny_plan()), encoding="utf-8")
    return create_app(
        test_config={
            "TESTING": True, "DATA_DIR": str(tiny_data), "ROUTES_DIR": str(routes), "TILES": "none",
            "SECRET_KEY": "test-secret", "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}",
            "CACHE_DIR": str(tmp_path / "cache"),
        }
    )  # fmt: skip


@pytest.fixture
def app(tiny_data: Path, tmp_path: Path) -> Iterator[Flask]:
    app = _app(tiny_data, tmp_path)
    add_user(app.extensions["outreach"].engine, "sam", "scheduler", "scheduler-password")
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    client = app.test_client()
    login(client, "sam", "scheduler-password")
    return client


def _queue(app: Flask) -> JobQueue:
    queue: JobQueue = app.extensions["outreach"].jobs
    return queue


def _form(client: FlaskClient, **changes: Any) -> dict[str, Any]:
    form = {
        "csrf_token": _csrf(client, "/schedule/new"), "plan_id": "web-plan", "cycle_weeks": "2",
        "start_date": "2027-01-04", "min_population": "20", "time_limit": "5", "lock_from": "",
        "van0_id": "north", "van0_depot": "daventry", "van0_shift": "09:30-16:30", "van0_weekdays": ["Tue", "Thu"],
        "van1_id": "", "van2_id": "", "outreach_kind": "domestic-abuse-support", "outreach_days": ["Tue"],
    }  # fmt: skip
    return form | changes


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_scheduler_sets_up_a_plan_the_worker_makes_and_publishes_it_once(client: FlaskClient, app: Flask) -> None:
    response = client.post("/schedule/new", data=_form(client))
    assert response.status_code == 302
    job_url = response.headers["Location"]
    waiting = client.get(job_url).get_data(as_text=True)
    assert "Queued: 1st in line" in waiting and "http-equiv" not in waiting  # no meta refresh: schedule.js polls
    assert client.get(job_url + "/status.json").get_json() | {"message": ""} == {
        "status": "queued",
        "percent": 0,
        "message": "",
        "position": 1,
        "running": 0,
        "published": None,
    }
    with running_worker(_queue(app)):
        wait_for(_queue(app), job_url.rsplit("/", 1)[1])
    page = _text(client.get(job_url))
    assert "4 of 4 stops served" in page and "Publish to routes/web-plan" in page
    assert any(line["class"] == "run-line" for line in map_data(page)["lines"])
    published = client.post(job_url + "/publish", data={"csrf_token": _csrf(client, job_url)})
    assert published.status_code == 303
    routes = Path(app.config["ROUTES_DIR"])
    assert (routes / "web-plan" / "timetable.ics").exists()
    assert "web-plan" in client.get("/schedule/").get_data(as_text=True)
    versions = sorted((routes / ".web-plan.versions").iterdir())
    page = _text(client.get(job_url))
    assert "Published to routes/web-plan on" in page and "by sam" in page and "Publish to routes" not in page
    again = client.post(job_url + "/publish", data={"csrf_token": _csrf(client, job_url)}, follow_redirects=True)
    assert "Not published: this plan was published already, on" in _text(again) and "UTC by sam" in _text(again)
    assert sorted((routes / ".web-plan.versions").iterdir()) == versions  # nothing written the second time
    with session_scope(app.extensions["outreach"].engine) as session:
        published_by = [(e.user_name, e.target, e.detail) for e in audit_events(session, actions=["publish"])]
    assert published_by == [("sam", "plan web-plan", job_url.rsplit("/", 1)[1])]  # once, in the audit log


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"plan_id": "UX Small"}, "field 'plan_id': 'UX Small': expected 1 to 64 lower-case letters"),
        ({"plan_id": "../../etc"}, "field 'plan_id': '../../etc'"),
        ({"plan_id": "<script>"}, "field 'plan_id': '&lt;script&gt;'"),
        ({"lock_from": "nothing-like-it"}, "field 'lock_from': no published plan 'nothing-like-it'"),
        ({"min_population": "-5"}, "field 'min_population': -5 is out of range; expected 0 to 100000"),
        ({"cycle_weeks": "5"}, "field 'cycle_weeks': 5 is out of range; expected 1 to 4"),
        ({"cycle_weeks": "two"}, "field 'cycle_weeks': 'two' is not a whole number"),
        ({"time_limit": "5000"}, "field 'time_limit': 5000 is out of range; expected 5 to 300"),
        ({"van0_weekdays": ["Funday"]}, "field 'van0_weekdays': 'Funday' is not a weekday"),
        ({"outreach_days": ["Sun"]}, "field 'outreach_days': 'Sun' is not a weekday"),
        ({"van0_depot": "london"}, "field 'van0_depot': unknown depot 'london'"),
        ({"van0_id": "North Van"}, "field 'van0_id': 'North Van'"),
        (
            {"van1_id": "north", "van1_depot": "daventry", "van1_weekdays": ["Mon"]},
            "the name 'north' is given to two vans",
        ),
        ({"van0_weekdays": []}, "field 'van0_weekdays': van 'north' works on no day"),
        ({"van0_id": ""}, "field 'van0_id': no van"),
        ({"van0_shift": "9-5"}, "field 'van0_shift': '9-5' is not a shift; expected HH:MM-HH:MM"),
        ({"van0_shift": "16:30-09:30"}, "field 'van0_shift': '16:30-09:30' is not a shift"),
        ({"start_date": "2027-01-05"}, "field 'start_date': 2027-01-05 is a Tue; expected a Monday"),
        ({"start_date": "2027-01-04T10:00"}, "field 'start_date': '2027-01-04T10:00' is not a date"),
        ({"outreach_kind": "victim-support"}, "field 'outreach_kind': unknown kind 'victim-support'"),
        ({"shfit": "09:00-17:00"}, "field 'shfit': unknown"),
        ({"plan_id": "a" * 100_000}, "field 'plan_id': 100000 characters; expected at most 100"),
        ({"van0_id": "north\u202e"}, "field 'van0_id': control or direction characters are not allowed"),
    ],
)
def test_every_field_is_checked_before_a_job_starts(
    client: FlaskClient, app: Flask, changes: dict[str, Any], words: str
) -> None:
    response = client.post("/schedule/new", data=_form(client, **changes))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert words.replace("'", "&#39;") in page or words in page, re.findall(r'role="alert">([^<]+)', page)
    from outreach_map.jobs.records import list_jobs

    assert list_jobs(_queue(app).engine) == []  # no job was queued


def test_a_plan_waiting_behind_another_says_so(client: FlaskClient, app: Flask) -> None:
    first = client.post("/schedule/new", data=_form(client, plan_id="first")).headers["Location"]
    second = client.post("/schedule/new", data=_form(client, plan_id="second")).headers["Location"]
    assert "Queued: 2nd in line" in _text(client.get(second))
    listing = _text(client.get("/schedule/"))
    assert "Plans being made or ready to review" in listing and "Queued: 1st in line" in listing
    from outreach_map.jobs.records import claim_job

    claim_job(_queue(app).engine, first.rsplit("/", 1)[1], "elsewhere:1:x")  # the worker takes the first
    assert "Queued: 1st in line, behind 1 plan being made" in _text(client.get(second))
    assert client.get(second + "/status.json").get_json()["position"] == 1


def test_unpublished_plans_survive_a_restart_of_the_site(app: Flask, client: FlaskClient, tiny_data: Path,
                                                         tmp_path: Path) -> None:  # fmt: skip
    job_url = client.post("/schedule/new", data=_form(client)).headers["Location"]
    with running_worker(_queue(app)):
        wait_for(_queue(app), job_url.rsplit("/", 1)[1])
    restarted = _app(tiny_data, tmp_path).test_client()  # a new process: the same database and queue
    login(restarted, "sam", "scheduler-password")
    listing = _text(restarted.get("/schedule/"))
    assert "web-plan" in listing and "Ready to review" in listing
    assert "Publish to routes/web-plan" in _text(restarted.get(job_url))


def test_a_failed_plan_shows_its_error(client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    job_url = client.post("/schedule/new", data=_form(client)).headers["Location"]
    from outreach_map import jobs

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the solver crashed")

    monkeypatch.setattr(jobs.plans, "make_timetable", broken)
    with running_worker(_queue(app)):
        wait_for(_queue(app), job_url.rsplit("/", 1)[1])
    page = _text(client.get(job_url))
    assert "The plan could not be made: the job failed unexpectedly (RuntimeError)" in page
    assert "the solver crashed" not in page  # the details go to the worker's log, not to a page
    assert "Failed" in _text(client.get("/schedule/"))


def test_unknown_jobs_are_not_found(client: FlaskClient) -> None:
    assert client.get("/schedule/jobs/" + "0" * 32).status_code == 404
    assert client.get("/schedule/jobs/../../etc").status_code == 404
    assert (
        client.post(
            "/schedule/jobs/" + "0" * 32 + "/publish", data={"csrf_token": _csrf(client, "/schedule/new")}
        ).status_code
        == 404
    )


# --- one bad plan, hidden folders: the site keeps working -----------------------------------------------------------


def test_a_broken_plan_is_skipped_and_reported_never_a_500(client: FlaskClient, app: Flask) -> None:
    routes = Path(app.config["ROUTES_DIR"])
    (routes / "zz").mkdir()
    (routes / "zz" / "plan.json").write_text(json.dumps(tiny_plan() | {"plan_id": "zz", "network": "x"}))
    (routes / "cut").mkdir()
    (routes / "cut" / "plan.json").write_text(json.dumps(tiny_plan())[:200])
    for url in ("/village/badby", "/api/plans/tiny", "/schedule/", "/village/towcester", "/api/plans/zz"):
        assert client.get(url).status_code in (200, 404), url
    assert client.get("/api/plans/zz").status_code == 404
    listing = _text(client.get("/schedule/"))
    assert "2 published folders could not be read" in listing
    assert "routes/zz</code>: routes" in listing and "network" in listing and "routes/cut</code>" in listing
    assert "Next visits to Badby" in _text(client.get("/village/badby"))


def test_hidden_folders_are_never_served(client: FlaskClient, app: Flask) -> None:
    routes = Path(app.config["ROUTES_DIR"])
    for hidden in (".tiny.old", ".tiny.x1y2z3w4", ".web.versions"):
        shutil.copytree(routes / "tiny", routes / hidden)
        (routes / hidden / "plan.json").write_text(json.dumps(tiny_plan() | {"start_date": "2027-03-01"}))
    assert client.get("/api/plans/tiny").get_json()["start_date"] == "2026-11-02"
    assert _text(client.get("/schedule/")).count('<th scope="row">tiny</th>') == 1
    page = _text(client.get("/village/badby"))
    assert len(re.findall(r"<strong>Tuesday \d+ \w+ 20\d\d</strong>, 10:15 to 10:35", page)) == len(
        set(re.findall(r"<strong>Tuesday \d+ \w+ 20\d\d</strong>, 10:15 to 10:35", page))
    )  # no visit twice


def test_public_searches_leave_no_trace_on_disk(app: Flask) -> None:
    client = app.test_client()
    cache = Path(app.config["CACHE_DIR"])
    before = sorted(cache.rglob("*")) if cache.exists() else []
    for url in ("/search?q=Badby", "/search?q=NN12+6AA", "/search?q=52.2301,-1.1702", "/village/towcester",
                "/api/openreferral/service_at_locations?lat=52.2301&lon=-1.1702",
                "/api/openreferral/service_at_locations?postcode=NN12%206AA"):  # fmt: skip
        assert client.get(url).status_code == 200, url
    after = sorted(cache.rglob("*")) if cache.exists() else []
    assert after == before, [str(p) for p in after if p not in before]


def test_a_replan_shows_its_changes_in_words_and_why_entries_could_not_be_kept(client: FlaskClient, app: Flask) -> None:
    """Keeping the entries of "tiny" (Badby on Tuesdays, Nobottle on Thursdays) with a van that works Wednesdays."""
    form = _form(client, lock_from="tiny", van0_weekdays=["Wed"], outreach_days=[])
    job_url = client.post("/schedule/new", data=form).headers["Location"]
    with running_worker(_queue(app)):
        done = wait_for(_queue(app), job_url.rsplit("/", 1)[1])
    assert done.status == "done", done.message
    page = _text(client.get(job_url))
    assert "Not every entry of tiny could be kept" in page, page.split("plan-summary")[1][:3000]
    assert "2 stops were visited on Tue or Thu, a day no van of this plan works: Badby and Nobottle." in page
    changes = re.findall(r"<li>([^<]+)</li>", page.split('id="plan-changes"')[1].split("</ul>")[0])
    assert changes and all(
        re.match(r"(Badby|Nobottle|Towcester|King's Sutton|King&#39;s Sutton): ", c) for c in changes
    )
    assert any(c.startswith("Badby: now Wednesday") for c in changes), changes
