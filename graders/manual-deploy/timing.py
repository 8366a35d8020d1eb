"""Timing measurements of the candidate's service, judged against baselines taken in the same grading.

A busy machine slows every service alike, so a fixed budget would fail sound submissions there:
the load check compares with the kit's reference service measured under the same load, and the
drain check sizes its grace from how long the wave takes here and repeats a measurement that
the machine's speed, not the candidate, left undecided.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from churn import Churn
from contract import first_prediction, predict_request

from harness.grading import ExecResult, Grading, HttpRequest, HttpResponse, Service, describe

REFERENCE = Path(__file__).with_name("reference") / "serve.py"
REFERENCE_PORT = 8600


def p95(answers: list[HttpResponse]) -> float:
    times = sorted(answer.elapsed_s for answer in answers)
    return times[max(math.ceil(0.95 * len(times)) - 1, 0)] if times else 0.0


@dataclass
class Load:
    """The candidate's answers under load (the better of its runs) and the kit's reference service's
    p95 on the same requests, measured in the same grading (None if the reference did not serve)."""

    answers: list[HttpResponse]
    reference_p95_s: float | None = None


def _reference_p95(grading: Grading, requests: list[HttpRequest], concurrency: int) -> float | None:
    """The kit's reference service's p95 on the same requests, now (None if it did not serve)."""
    box = grading.sandbox("reference", of="starter")
    box.write_file("kit_reference.py", REFERENCE.read_bytes())
    service = box.start_service(["python", "kit_reference.py"], port=REFERENCE_PORT)
    try:
        if not service.wait_until_ready("/docs", float(grading.params["start_timeout_s"])):
            return None
        answers = service.send(requests, concurrency=concurrency)
        return p95(answers) if all(answer.status == 200 for answer in answers) else None
    finally:
        service.stop()


def measure_load(grading: Grading, service: Service, churn: Churn) -> Load:
    """Single-customer requests at a fixed concurrency, then the kit's reference service on the same
    requests, so both are timed on the machine as it is now. Over budget, the candidate is measured
    once more and its better run counts: a stall of the machine is not the service's."""
    params = grading.params["load"]
    customers = churn.customers(int(params["requests"]), seed=int(grading.params["seed"]) + 1)
    requests = [predict_request([customer]) for customer in customers]
    concurrency = int(params["concurrency"])
    answers = service.send(requests, concurrency=concurrency)
    if any(answer.status != 200 for answer in answers):
        return Load(answers)
    load = Load(answers, _reference_p95(grading, requests, concurrency))
    budget = load_budget(load, params)
    if budget is not None and p95(answers) > budget:
        again = service.send(requests, concurrency=concurrency)
        if all(answer.status == 200 for answer in again) and p95(again) < p95(answers):
            load.answers = again
    return load


def load_budget(load: Load, params: dict[str, Any]) -> float | None:
    """The p95 allowed: a multiple of the reference's p95 here and now (None: nothing to compare with)."""
    if load.reference_p95_s is None:
        return None
    return float(params["max_over_reference"]) * load.reference_p95_s


@dataclass
class Drain:
    """One SIGTERM during a wave of heavy requests: what came back and how the container stopped."""

    answers: list[HttpResponse]
    sigterm_at: float
    grace_s: float
    stopped: ExecResult
    #: The params' margin_s (too close to the kill to tell) and answered_after_s (an answer that
    #: ended this long after SIGTERM was served after it).
    margin_s: float
    answered_after_s: float
    #: What went wrong before any SIGTERM ('' if nothing).
    problem: str = ""

    def _ends(self) -> list[float]:
        """When each request of the wave ended (answered or cut off), in seconds after SIGTERM."""
        return [a.sent_at + a.elapsed_s - self.sigterm_at for a in self.answers]

    def undecided(self) -> str:
        """Why this measurement cannot judge the candidate ('' when it can). A connection the server
        had not accepted yet is reset by any server that closes its socket, so resets alone, with no
        request answered after SIGTERM, do not tell a server that drops its work from one that had
        none yet."""
        if self.problem:
            return ""
        last = max(self._ends(), default=0.0)
        if self.stopped.timed_out and last > self.grace_s - self.margin_s:
            return f"the wave was still being answered {last:.1f}s after SIGTERM, too close to the kill to tell"
        if self.answered_before_sigterm():
            return "the whole wave was answered before SIGTERM arrived"
        if not self._answered_after():
            return "no request of the wave was answered after SIGTERM (those cut off may not have been accepted yet)"
        return ""

    def answered_before_sigterm(self) -> bool:
        """Every request of the wave was answered by the time SIGTERM could tell (none ended later than
        answered_after_s after it): the wave was over too soon for draining to be seen."""
        return all(a.status == 200 for a in self.answers) and max(self._ends(), default=0.0) <= self.answered_after_s

    def _answered_after(self) -> list[float]:
        ends = zip(self._ends(), self.answers, strict=True)
        return [end for end, a in ends if a.status == 200 and end > self.answered_after_s]

    def verdict(self, shell_form: str) -> list[str]:
        """None when the server kept answering after SIGTERM and then exited before the kill; else what
        was seen. Requests cut off beside ones answered after SIGTERM are taken as not yet accepted."""
        if self.problem:
            return [self.problem]
        if self.answered_before_sigterm():
            return ["the whole wave was answered before SIGTERM arrived, so draining could not be observed"]
        answered = self._answered_after()
        if not answered:
            cut = [a for a in self.answers if a.status != 200]
            example = f", e.g. {describe(cut[0])}" if cut else ""
            return [f"no request in flight at SIGTERM was answered after it ({len(cut)} cut off{example})"]
        if self.stopped.timed_out:
            cause = f"; the image's command is in shell form ({shell_form[:80]}): exec form makes the server PID 1"
            return [
                f"the container did not exit within {self.grace_s:.0f}s of SIGTERM (the wave's last request ended "
                f"{max(self._ends()):.1f}s after it)" + (cause if shell_form else "")
            ]
        return []


def _drain_once(
    service: Service, request: HttpRequest, params: dict[str, Any], at_fraction: float, waves: int = 1
) -> Drain:
    """Two heavy requests alone time one request here and now; then a wave of `waves` times
    `concurrency` of them, `concurrency` at a time, is sent at a set moment of the clock the prober
    shares with the host, and SIGTERM lands `at_fraction` of the way through.
    Requests the wave had not sent yet at SIGTERM are refused by any server that closes its socket, as
    a platform stops routing before it stops a container: they decide nothing (see Drain.verdict)."""
    alone = service.send([replace(request, repeat=2)])
    concurrency = int(params["concurrency"])
    wave = waves * concurrency
    wave_s = wave * alone[-1].elapsed_s
    grace_s = float(math.ceil(max(float(params["grace_s"]), float(params["grace_over_wave"]) * wave_s)))
    judging = (float(params["margin_s"]), float(params["answered_after_s"]))
    if any(answer.status != 200 for answer in alone):
        bad = next(answer for answer in alone if answer.status != 200)
        stopped = service.stop(grace_s=grace_s)
        problem = f"a heavy valid request got {describe(bad)} before any SIGTERM"
        return Drain([], time.monotonic(), grace_s, stopped, *judging, problem)
    send_at = time.monotonic() + float(params["prober_start_s"])
    answers: list[HttpResponse] = []
    heavy = replace(request, repeat=wave, not_before=send_at)
    sender = threading.Thread(
        target=lambda: answers.extend(service.send([heavy], concurrency=concurrency)), daemon=True
    )
    sender.start()
    time.sleep(max(send_at + max(float(params["min_delay_s"]), at_fraction * wave_s) - time.monotonic(), 0.0))
    sigterm_at = time.monotonic()
    stopped = service.stop(grace_s=grace_s)
    sender.join(timeout=grace_s + 120)
    return Drain(answers, sigterm_at, grace_s, stopped, *judging)


def measure_drain(grading: Grading, service: Service, churn: Churn, restart: Callable[[], Service]) -> list[Drain]:
    """Drain measurements, the first on `service`, repeated on a fresh container (from `restart`) while
    the last one was undecided: when the wave was answered before SIGTERM (the server, or the machine,
    was faster than its timing said), a wave twice as long with SIGTERM earlier into it, else SIGTERM
    later; the last one judges."""
    params = grading.params["drain"]
    request = predict_request(churn.customers(int(params["instances_per_request"]), seed=7), timeout_s=120)
    fractions = [float(f) for f in params["at_fractions"]]
    fraction, later = fractions[0], iter(fractions[1:])
    waves = 1
    drains = [_drain_once(service, request, params, fraction)]
    while drains[-1].undecided() and len(drains) < int(params["tries"]):
        if drains[-1].answered_before_sigterm():
            fraction, waves = fraction / 2, waves * 2
        else:
            fraction = next(later, fraction)
        again = restart()
        try:
            first = first_prediction(again, churn.customers(1, seed=7), grading.params)
            if first.status != 200:
                break
            drains.append(_drain_once(again, request, params, fraction, waves))
        finally:
            again.stop()
    return drains
