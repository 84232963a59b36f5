"""Break-and-fix exercises for workshops, built on the misconfiguration catalogue.

``run.exercise(id)`` checks that the lab traces healthy, breaks it the way the
catalogue entry says and shows the symptom as a user would report it: the
request, the response it gets when sent for real (``apigw_kit.probe``; through
the data plane on the embedded AWS) and the status the tracer predicts, never
the cause. The attendee diagnoses with ``exercise.trace()`` (and can send the
request again with ``exercise.request()``) and repairs the lab (the notebook's
collapsed solution cell repairs it in plain boto3); ``exercise.check()`` traces
again, sends the request again and runs the pattern's posture checks, so a
"fix" that opens a security group to the world is reported as still wrong.

Exercises change the lab, so they run only when the ``exercises`` parameter
is true: the committed notebooks turn it on (the workshop copy), a runbook run
leaves it off, and then every exercise is skipped, makes no API call and
sends no request, so a runbook never stops someone's instances or builds a
second VPC in their account. They also only break what the kit built: a run given existing
resources (a VPC, subnets, a listener) skips them, and so does a backend that
cannot reach the broken state (``local_only`` entries on a real account).
"""
from __future__ import annotations

import html

import pandas as pd

from . import catalogue
from .errors import ParameterError
from .shown import shows
from .probe import Observation, send
from .tracer import Trace

# outcome: the tracer's prediction; observed: the response to the request sent for real
CHECK_COLUMNS = ["exercise", "passed", "outcome", "observed", "still wrong"]
SHOWN_BODY = 300  # characters of the observed body an exercise shows: enough for any error page


class Exercise:
    """One catalogue entry played on a pattern's lab: broken on start, checked on demand."""

    def __init__(self, run, entry: catalogue.Misconfiguration):
        if entry.fix_lab is None:
            raise ParameterError("exercise", f"{entry.id!r} has nothing in the lab to fix",
                                 "pick a catalogue entry with a fix_lab")
        if entry.id not in run.EXERCISES:
            raise ParameterError("exercise", f"{entry.id!r} does not play on a {run.PATTERN} lab",
                                 f"use one of {', '.join(run.EXERCISES) or '(none: this pattern has no exercises)'}")
        self.run, self.entry = run, entry
        self.skipped = self._skip_reason()
        self.broken: Trace | None = None
        self.observed: Observation | None = None  # the response to the broken request, sent once the lab is broken

    def _skip_reason(self) -> str:
        if not self.run.params.exercises:
            return "exercises=False (set it to True in Parameters to do the exercises)"
        if self.run.given():
            return "this run uses resources passed in by parameter; exercises break only what the kit built"
        if self.entry.local_only and self.run.cloud.backend != "local":
            return "only the embedded AWS can put a lab in this state"
        return ""

    @classmethod
    def start(cls, run, entry_id: str) -> "Exercise":
        exercise = cls(run, catalogue.by_id(entry_id))
        if not exercise.skipped:
            before = exercise.trace()
            if not exercise._fixed(before):
                raise ParameterError("lab", f"{run.lab.name} is not healthy before this exercise ({before.reason})",
                                     "run every step above and finish the previous exercise (its check must pass)")
            exercise.entry.break_lab(run.lab)
            run.played.append(entry_id)
            exercise.broken = exercise.trace()
            exercise.observed = send(run.cloud, exercise.broken)
        return exercise

    # The attendee's tools -----------------------------------------------------------------------------
    def trace(self) -> "Trace | Exercise":
        """Follow the failing request hop by hop through the live configuration (read-only); a skipped
        exercise makes no call and shows why it was skipped."""
        return self if self.skipped else self.run.trace(**self.run.exercise_request(self.entry))

    @property
    def cloud(self):
        return self.run.cloud

    @property
    def lab(self):
        return self.run.lab

    def request(self) -> "Observation | Exercise":
        """Send the failing request for real and show the response beside the trace's prediction; a skipped
        exercise sends nothing and shows why it was skipped."""
        return self if self.skipped else send(self.run.cloud, self.trace())

    @shows
    def check(self) -> pd.DataFrame:
        """Trace again, send the request again and run the pattern's checks: passed, or what is still wrong.

        Whether it passed is the trace's and the checks' verdict; the observed response is shown beside them
        (on a real account it is sent from this machine, which may not be where the lab's clients are)."""
        if self.skipped:
            return pd.DataFrame([[self.entry.id, None, "skipped", "skipped", self.skipped]], columns=CHECK_COLUMNS)
        result = self.trace()
        observed = send(self.run.cloud, result)
        wrong = [] if self._fixed(result) else [self._what_is_wrong(result)]
        checks = self.run.verify()
        wrong += [f"check failed: {row.check} ({row.detail})" for row in checks.itertuples() if not row.passed]
        return pd.DataFrame([[self.entry.id, not wrong, result.outcome, observed.outcome, "; ".join(wrong)]],
                            columns=CHECK_COLUMNS)

    def _fixed(self, result: Trace) -> bool:
        """The request succeeds and the hop this entry is about raises no warning (a 200 can still be a bypass,
        or served by a load balancer failing open to unhealthy targets)."""
        return result.ok and self.entry.hop not in {hop.hop for hop in result.warnings}

    def _what_is_wrong(self, result: Trace) -> str:
        """The failing hop, or when the request succeeds, the warning of the hop this entry is about."""
        warned = next((hop for hop in result.warnings if hop.hop == self.entry.hop), None)
        return f"{warned.hop}: {warned.reason}" if result.ok and warned else result.reason

    # Display: the symptom as a user reports it, never the cause ---------------------------------------------
    # (the observed response is shown without the hop that answered it: that is for the trace to find)
    def _request(self) -> str:
        return f"{self.broken.method} {self.broken.url} from {self.broken.source}"

    def _body(self) -> str:
        body = self.observed.body.replace("\r\n", "\n").strip()  # an ALB's error page ends its lines with CRLF
        return body if len(body) <= SHOWN_BODY else body[:SHOWN_BODY] + " ..."

    def __repr__(self) -> str:
        if self.skipped:
            return f"Exercise {self.entry.id} skipped: {self.skipped}"
        return (f"The lab is broken. A user reports: {self.entry.symptom}\n"
                f"Request: {self._request()}\nSent for real, it gets: {self.observed.outcome}\n{self._body()}\n"
                f"The tracer predicts: {self.broken.outcome}")

    def _repr_html_(self) -> str:
        if self.skipped:
            return f"<p><b>Exercise {html.escape(self.entry.id)}</b> skipped: {html.escape(self.skipped)}</p>"
        return (f"<p><b>The lab is broken.</b> A user reports: <i>{html.escape(self.entry.symptom)}</i><br>"
                f"Request: <code>{html.escape(self._request())}</code><br>"
                f"Sent for real, it gets: <b>{html.escape(self.observed.outcome)}</b></p>"
                f"<pre>{html.escape(self._body())}</pre>"
                f"<p>The tracer predicts: <b>{html.escape(self.broken.outcome)}</b></p>")
