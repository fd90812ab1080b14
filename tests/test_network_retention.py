"""Network prefixes and duplicate fingerprints go after ZIRKEL_KEEP_NETWORK_DAYS, without
anyone running a command: the running app purges them now and then (personal_data/retention.py)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from factories import make_article, make_comment
from helpers import post_comment
from webapp.extensions import db
from webapp.models import Comment, utcnow
from webapp.personal_data import retention


class FakeClock:
    """The purge's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(retention, "clock", fake)
    return fake


@pytest.fixture
def article(app):
    return make_article(title="Radwege im Winter")


def kept(comment: Comment) -> tuple[str | None, str | None]:
    """A comment's network prefix and fingerprint as stored now."""
    row = db.session.execute(
        select(Comment.network, Comment.fingerprint).where(Comment.id == comment.id)
    ).one()
    return tuple(row)


def old_and_young(article, days: int = 30) -> tuple[Comment, Comment]:
    now = utcnow()
    old = make_comment(
        article,
        network="203.0.113.0/24",
        fingerprint="a" * 64,
        created_at=now - timedelta(days=days, minutes=1),
    )
    young = make_comment(
        article,
        network="2001:db8:1::/48",
        fingerprint="b" * 64,
        created_at=now - timedelta(days=days) + timedelta(hours=1),
    )
    return old, young


def request_as_a_reader(app, client) -> None:
    """Any request, as readers make them all day; then wait for a purge it started."""
    assert client.get("/").status_code == 200
    retention.schedule(app).wait()
    db.session.commit()  # see what the purge's thread committed


def test_an_old_comment_loses_its_network_without_anyone_running_a_command(
    app, client, article, clock
):
    old, young = old_and_young(article)

    # A process's first minute belongs to its readers: nothing is purged yet.
    request_as_a_reader(app, client)
    assert kept(old) == ("203.0.113.0/24", "a" * 64)

    clock.advance(retention.FIRST_AFTER + 1)
    request_as_a_reader(app, client)
    assert kept(old) == (None, None)
    assert kept(young) == ("2001:db8:1::/48", "b" * 64)


def test_the_purge_runs_at_most_once_an_hour_per_process(app, client, article, clock):
    clock.advance(retention.FIRST_AFTER + 1)
    request_as_a_reader(app, client)  # the first purge

    old, _young = old_and_young(article)
    clock.advance(retention.PURGE_EVERY - 120)
    request_as_a_reader(app, client)
    assert kept(old) == ("203.0.113.0/24", "a" * 64), "not due yet: requests only compare"

    clock.advance(180)
    request_as_a_reader(app, client)
    assert kept(old) == (None, None)


def test_a_fingerprint_without_a_network_goes_too(app, article):
    comment = make_comment(article, fingerprint="c" * 64, created_at=utcnow() - timedelta(days=40))
    assert retention.purge_networks() == 1
    assert kept(comment) == (None, None)


def test_the_setting_decides_and_zero_keeps_them(app, article):
    old, young = old_and_young(article, days=7)
    app.config["KEEP_NETWORK_DAYS"] = 0
    assert retention.purge_networks() == 0
    assert kept(old) == ("203.0.113.0/24", "a" * 64)

    app.config["KEEP_NETWORK_DAYS"] = 7
    assert retention.purge_networks() == 1
    assert kept(old) == (None, None)
    assert kept(young) == ("2001:db8:1::/48", "b" * 64)


def test_flood_control_and_duplicates_hold_within_the_window(app, client, article):
    app.config["RATELIMIT"] = "2 per day"
    assert post_comment(client, article, text="Erster").status_code == 200
    assert post_comment(client, article, text="Zweiter").status_code == 200
    assert retention.purge_networks() == 0  # both are recent: nothing to purge

    assert post_comment(client, article, text="Dritter").status_code == 429
    app.config["RATELIMIT"] = "off"
    assert post_comment(client, article, text="Erster").status_code == 409


def test_the_command_purges_at_once(app, runner, article):
    old, young = old_and_young(article)
    result = runner.invoke(args=["purge-networks"])
    assert result.exit_code == 0, result.output
    assert "1 comments older than 30 days" in result.output
    assert kept(old) == (None, None)
    assert kept(young) == ("2001:db8:1::/48", "b" * 64)
