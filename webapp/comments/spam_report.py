"""`flask spam-report`: how many spam and genuine comments of the starter corpus the spam
guard holds, measured by stratified k-fold cross-validation.

Every comment is judged by the whole guard as configured (the defaults on a fresh
install), with a filter trained on the other folds only: no comment is judged by a model
that saw it. The honeypot and the form's timestamp see what a person sends (an empty
trap, a form sent a minute after it was served); flood control and duplicates are
checked as comments are stored and are not part of this measurement.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import click
from flask import Flask, current_app

from ..models import CommentStatus
from .guard import Verdict, judge
from .spamfilter import SpamFilter, load_corpus, train

LAYERS = ("honeypot", "speed", "links", "blocked word", "moderation word", "spam filter")
SPAM_GOAL, GENUINE_GOAL = 0.95, 0.01  # the project's goal: share of each held
LANGUAGE_GOAL = 0.05  # and of the genuine comments in every language
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
SETTINGS = ("MIN_SUBMIT_SECONDS", "MAX_LINKS", "MODERATION_WORDS", "BLOCKED_WORDS", "SPAM_FILTER")


@dataclass
class Judged:
    row: dict
    verdict: Verdict

    @property
    def held(self) -> bool:
        """Held for moderation or marked as spam: not published."""
        return self.verdict.status != CommentStatus.VISIBLE


def folds_of(rows: Sequence[dict], folds: int) -> dict[str, int]:
    """Each comment's fold: per label and language, dealt out in the order of their ids."""
    fold: dict[str, int] = {}
    dealt: Counter[tuple[str, str]] = Counter()
    for row in sorted(rows, key=lambda row: row["id"]):
        stratum = (row["label"], row["lang"])
        fold[row["id"]] = dealt[stratum] % folds
        dealt[stratum] += 1
    return fold


def cross_validate(rows: Sequence[dict], folds: int = 10) -> list[Judged]:
    """Judge every comment with the guard, its filter trained on the other folds."""
    fold = folds_of(rows, folds)
    served = int(time.time()) - 60
    judged = []
    for k in range(folds):
        spam_filter = SpamFilter(train(r for r in rows if fold[r["id"]] != k), learned=False)
        for row in rows:
            if fold[row["id"]] == k:
                verdict = judge(
                    text=row["text"],
                    honeypot="",
                    issued_at=served,
                    name=row["name"],
                    email=row["email"],
                    spam_filter=spam_filter,
                )
                judged.append(Judged(row, verdict))
    return sorted(judged, key=lambda j: j.row["id"])


def report(judged: Sequence[Judged], folds: int) -> str:
    """The figures as Markdown tables: held per label and language (a row for each
    language present), per layer, and at other thresholds of the learning filter."""
    config = current_app.config
    settings = ", ".join(f"{name}={config[name]!r}" for name in SETTINGS)
    lines = [
        f"Spam guard on the starter corpus, {folds}-fold cross-validation ({settings})",
        "",
        "| Comments | held | of | share | goal |",
        "|---|---|---|---|---|",
    ]
    for label, title in (("spam", "Spam"), ("ham", "Genuine")):
        # A row for every language the comments are in (by code), then all of them.
        for lang in [*sorted({j.row["lang"] for j in judged if j.row["label"] == label}), None]:
            group = [j for j in judged if j.row["label"] == label and lang in (None, j.row["lang"])]
            held = sum(j.held for j in group)
            share = held / len(group) if group else 0.0
            goal = ""
            if label == "spam" and lang is None:
                goal = _goal(share >= SPAM_GOAL, f"≥ {SPAM_GOAL:.0%}")
            elif label == "ham":
                limit = GENUINE_GOAL if lang is None else LANGUAGE_GOAL
                goal = _goal(share <= limit, f"≤ {limit:.0%}")
            which = f"{title}, {lang}" if lang else f"{title}, all"
            lines.append(f"| {which} | {held} | {len(group)} | {share:.1%} | {goal} |")
    lines += [
        "",
        "| Layer | spam held | genuine held | spam held by it alone |",
        "|---|---|---|---|",
    ]
    for layer in LAYERS:
        spam = [j for j in judged if j.row["label"] == "spam" and layer in j.verdict.layers]
        ham = [j for j in judged if j.row["label"] == "ham" and layer in j.verdict.layers]
        alone = sum(set(j.verdict.layers) == {layer} for j in spam)
        lines.append(f"| {layer} | {len(spam)} | {len(ham)} | {alone} |")
    # What other thresholds would hold, everything else as configured.
    lines += ["", "| ZIRKEL_SPAM_FILTER | spam held | genuine held |", "|---|---|---|"]
    for threshold in THRESHOLDS:
        counts = {}
        for label in ("spam", "ham"):
            counts[label] = sum(j.row["label"] == label and _held_at(j, threshold) for j in judged)
        lines.append(f"| {threshold} | {counts['spam']} | {counts['ham']} |")
    return "\n".join(lines)


def _goal(met: bool, limit: str) -> str:
    return f"{limit}: {'met' if met else 'not met'}"


def _held_at(judged: Judged, threshold: float) -> bool:
    others = [layer for layer in judged.verdict.layers if layer != "spam filter"]
    probability = judged.verdict.spam_probability
    return bool(others) or (probability is not None and probability >= threshold)


@click.command("spam-report")
@click.option("--folds", default=10, show_default=True, help="Folds of the cross-validation.")
def spam_report_command(folds: int) -> None:
    """Measure the spam guard against the starter corpus (cross-validated)."""
    click.echo(report(cross_validate(load_corpus(), folds), folds))


def register(app: Flask) -> None:
    app.cli.add_command(spam_report_command)
