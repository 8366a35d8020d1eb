"""Live sessions: the journal and its fold, the combined score, and a real `opsdrill live` process
on the toy exercise driven over HTTP: tokens, what the candidate may see, finishing, kill -9."""

from __future__ import annotations

import json
import shutil
import signal
import socket
from pathlib import Path

import httpx
import pytest
from conftest import CliRunner
from live_support import live_process, passed

from harness import exercise as exercise_mod
from harness.exercise import Exercise
from harness.exitcodes import ExitCode
from harness.live.journal import AnyEvent, HintReleased, Journal, NoteAdded, ProcessStarted, SessionStarted
from harness.live.session import PACKET, session_dir
from harness.live.state import SessionState
from harness.model.scorecard import Score
from harness.report.jsonfile import schema_errors
from harness.score import live_percents

HIDDEN_TITLES = ["The answer is right", "The script runs"]
SECRET_NOTE = "SECRET-NOTE <script>alert(1)</script>"
UNRELEASED = "Read the brief's first sentence again."
RELEASED = "The number is forty-two."


def test_a_torn_last_line_is_skipped_and_the_next_event_starts_its_own(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append(SessionStarted(exercise="toy", budget_s=300))
    with journal.path.open("ab") as handle:
        handle.write(b'{"kind": "note_added", "at": 1.0, "te')  # killed while writing
    journal = Journal(journal.path)  # the restarted process
    assert [type(e) for e in journal.read()] == [SessionStarted]
    journal.append(NoteAdded(text="after the crash"))
    events = journal.read()
    assert [type(e) for e in events] == [SessionStarted, NoteAdded]
    assert SessionState.fold(events).notes[0].text == "after the crash"


def test_a_file_that_is_no_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text("my shopping list\n")
    with pytest.raises(Exception, match="is not a live session journal"):
        Journal(path).read()


def test_the_state_is_the_fold_of_its_events() -> None:
    events: list[AnyEvent] = [
        SessionStarted(at=100.0, exercise="toy", budget_s=300),
        ProcessStarted(at=100.0),
        HintReleased(at=150.0, hint="the_number"),
        HintReleased(at=160.0, hint="the_number"),
        ProcessStarted(at=200.0),
    ]
    state = SessionState.fold(events)
    assert state.hints == {"the_number": 150.0} and state.processes == 2
    assert state.elapsed_s(now=400.0) == 300.0  # a restart does not stop the clock


def test_the_final_score_weighs_checks_less_hints_against_manual_items(toy: Exercise) -> None:
    rubric = toy.rubric
    total = Score.of(10, 10)
    assert live_percents(total, rubric, ["the_number"], {"explains_answer": 3}) == (2, 80.0, 100.0, 84.0)
    assert live_percents(Score.of(1, 10), rubric, ["the_number"], {"explains_answer": 0}) == (2, 0.0, 0.0, 0.0)


def test_views_refuse_every_request_without_their_token(toy_root: Path, tmp_path: Path) -> None:
    with live_process(toy_root, tmp_path / "workspace") as live:
        base = live.interviewer.rsplit("/i/", 1)[0]
        interviewer_token = live.interviewer.rsplit("/", 1)[1]
        candidate_token = live.candidate.rsplit("/", 1)[1]
        reads = ["", "/state", "/packet"]
        actions = [("/hints/the_number", None), ("/notes", {"text": "x"}), ("/manual/explains_answer", {"score": 2}),
                   ("/run/hidden", None), ("/run/public", None), ("/run/finish", None)]  # fmt: skip
        for token in ("", "wrong", candidate_token, interviewer_token + "x"):
            for path in reads:
                assert httpx.get(f"{base}/i/{token}{path}").status_code == 404, (token, path)
            for path, body in actions:
                assert httpx.post(f"{base}/i/{token}{path}", json=body).status_code in {404, 405}, (token, path)
        for token in ("", "wrong", interviewer_token):
            for path in ("", "/state"):
                assert httpx.get(f"{base}/c/{token}{path}").status_code == 404, (token, path)
        state = live.state()
        assert not state["hint_list"][1]["released"] and not state["notes"] and state["hidden"] is None


def test_the_candidate_view_shows_nothing_it_should_not(toy_root: Path, tmp_path: Path) -> None:
    with live_process(toy_root, tmp_path / "workspace") as live:
        assert live.post("/hints/the_number").status_code == 200
        assert live.post("/notes", {"text": SECRET_NOTE}).status_code == 200
        assert live.post("/manual/explains_answer", {"score": 2}).status_code == 200
        assert live.post("/run/hidden").status_code == 200
        live.wait_for("a hidden run", lambda s: s["hidden"] is not None)
        page = httpx.get(live.candidate).text
        state = httpx.get(f"{live.candidate}/state").text
        assert RELEASED in state
        for secret in [UNRELEASED, SECRET_NOTE, "SECRET-NOTE", "script_runs", "explains_answer", *HIDDEN_TITLES]:
            assert secret not in page and secret not in state, secret
        answer = httpx.get(live.candidate)
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        assert "<script>" not in page.replace('<script src="/static/live.js" defer></script>', "")


def test_finishing_grades_and_writes_the_packet(toy_root: Path, toy: Exercise, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    with live_process(toy_root, workspace) as live:
        live.post("/run/hidden")
        live.wait_for("the starter's checks", lambda s: s["public"] is not None and s["hidden"] is not None)
        assert live.post("/run/finish").status_code == 409  # the manual item is not scored yet
        shutil.copytree(toy.paths.solution, workspace, dirs_exist_ok=True)
        live.wait_for("self-checks passing", lambda s: passed(s, "public"))
        live.post("/hints/the_number")
        live.post("/notes", {"text": SECRET_NOTE})
        live.post("/manual/explains_answer", {"score": 3})
        assert live.post("/run/finish").status_code == 200
        state = live.wait_for("the packet", lambda s: s["packet"] is not None)
        assert passed(state, "hidden")
        page = httpx.get(f"{live.interviewer.rsplit('/i/', 1)[0]}{state['packet']}").text
        assert live.post("/notes", {"text": "too late"}).status_code == 409
    card = json.loads((session_dir(workspace) / PACKET / "scorecard.json").read_text())
    assert not schema_errors(card)
    session = card["session"]
    assert (session["automatic_percent"], session["manual_percent"], session["final_percent"]) == (80.0, 100.0, 84.0)
    assert [h["id"] for h in session["hints"]] == ["the_number"] and session["notes"][0]["text"] == SECRET_NOTE
    hidden = [(e["check"], e["status"]) for e in session["timeline"] if e["suite"] == "hidden"]
    assert hidden == [("answer", "failed"), ("script_runs", "failed"), ("answer", "passed"), ("script_runs", "passed")]
    assert card["manual"][0]["score"] == 3
    assert "84%" in page and RELEASED in page and "SECRET-NOTE &lt;script&gt;" in page and "<script>" not in page


def test_a_killed_session_resumes_with_nothing_lost(toy_root: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    with live_process(toy_root, workspace) as live:
        live.post("/hints/the_number")
        live.post("/notes", {"text": "first note"})
        live.post("/manual/explains_answer", {"score": 1})
        before = live.wait_for("a public run", lambda s: s["public"] is not None)
        tokens = (live.candidate.rsplit("/", 1)[1], live.interviewer.rsplit("/", 1)[1])
        live.proc.send_signal(signal.SIGKILL)
        live.proc.wait()
    with live_process(toy_root, workspace) as again:
        # The same tokens, so pages opened before keep working (on the same port, when it is given).
        assert (again.candidate.rsplit("/", 1)[1], again.interviewer.rsplit("/", 1)[1]) == tokens
        state = again.state()
        assert [n["text"] for n in state["notes"]] == ["first note"]
        assert [h["id"] for h in state["hint_list"] if h["released"]] == ["the_number"]
        assert state["manual"][0]["score"] == 1
        assert state["public"] is not None and state["elapsed_s"] >= before["elapsed_s"]
        assert "resumed" in "".join(again.output)


def test_live_refuses_a_folder_that_holds_other_work(toy_root: Path, tmp_path: Path, cli: CliRunner) -> None:
    workspace = tmp_path / "somebody-elses"
    workspace.mkdir()
    (workspace / "thesis.tex").write_text("precious")
    result = cli("live", "toy", "--workspace", str(workspace), "--backend", "local",
                 env={"OPSDRILL_CONTENT_ROOT": str(toy_root)})  # fmt: skip
    assert result.returncode == ExitCode.BAD_INPUT, result.stderr
    assert "is not empty and holds no live session" in result.stderr and "Traceback" not in result.stderr
    assert (workspace / "thesis.tex").read_text() == "precious"


def test_live_says_so_when_its_port_is_taken(toy_root: Path, tmp_path: Path, cli: CliRunner) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = cli("live", "toy", "--workspace", str(tmp_path / "w"), "--port", port, "--backend", "local",
                     env={"OPSDRILL_CONTENT_ROOT": str(toy_root)})  # fmt: skip
    assert result.returncode == ExitCode.BAD_INPUT and f"Port {port} on 127.0.0.1 is taken" in result.stderr
    assert "Traceback" not in result.stderr


def test_packet_combines_scorecards_and_refuses_other_files(
    toy: Exercise, tmp_path: Path, cli: CliRunner, toy_root: Path
) -> None:
    env = {"OPSDRILL_CONTENT_ROOT": str(toy_root)}
    cards = []
    for name in ("solution", "starter"):
        out = tmp_path / name
        assert cli("grade", "toy", str(getattr(toy.paths, name)), "--backend", "local", "--out", str(out), "-q",
                   env=env).returncode == 0  # fmt: skip
        cards.append(str(out / "scorecard.json"))
    result = cli("packet", *cards, "--out", str(tmp_path / "packet"))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "packet" / "packet.html").read_text()
    assert page.count("<section>") == 2 and "Assessment" in page
    (tmp_path / "notes.json").write_text('{"hello": 1}')
    bad = cli("packet", str(tmp_path / "notes.json"))
    assert bad.returncode == ExitCode.BAD_INPUT and "is not an opsdrill scorecard" in bad.stderr


def test_exercises_hints_and_manual_items_load() -> None:
    for exercise_id in ("unreproducible-run", "silent-drift", "manual-deploy"):
        rubric = exercise_mod.load(exercise_id).rubric
        assert rubric.hints and rubric.manual and 0 < rubric.manual_weight_percent < 100
