"""Bad input to the CLI: any arguments, any ``--set`` values, every parameter at its limits.

The CLI is driven in-process (``entry.main``, as ``python -m desktop_app`` calls it) for speed,
with a few subprocess cases for what only a real process shows (undecodable bytes in argv).
Whatever the input: exit code 0, 1, 2 or 130, at most one short line on stderr, never a
traceback. The window's limits and the settings file are in test_bad_input_window.py.

What bounds memory at the limits: the engine keeps at most four chunks per worker in flight,
and as many finished ones for a moment (executors/base.py), so a huge n costs its n results
and spans, not n pending tasks; every parameter has a maximum (n <= 100,000 tasks, factorial n <= 5,000, 4 MB messages); a run keeps
10,000 output lines and a worker's chunk 64 KB of prints; the window shows 5,000 lines and
2,000 error rows; pools hold at most 64 workers and the pool manager 24 idle ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app import entry
from desktop_app.cli import run as cli_run
from desktop_app.engine.limits import MAX_POOL_SIZE, MIN_POOL_SIZE
from desktop_app.scenarios.registry import all_scenarios

SCENARIOS = {scenario.id: scenario for scenario in all_scenarios()}
EXIT_CODES = {0, 1, 2, 130}
SHORT = 400  # characters: "a short message", whatever the user typed
PREFIX = "concurrency-lab: error: "

# --- the CLI, property-based ---------------------------------------------------------------------

# argv can hold neither NUL nor (on Linux) anything but bytes: undecodable bytes arrive as lone
# surrogates, which pytest's capture cannot encode; the subprocess cases below cover those.
_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
_TEXT = st.text(_CHARS, max_size=24)
_NUMBERS = st.one_of(
    st.integers().map(str),
    st.integers(-3, 3).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "1e400", "1_000", "0x10", " 5 ", "5.0", "", "9" * 5000]),
)
_PARAM_NAMES = sorted({p.name for s in SCENARIOS.values() for p in s.params})
_SETTINGS = st.builds(
    lambda name, sep, value: f"{name}{sep}{value}",
    st.sampled_from(_PARAM_NAMES) | _TEXT,
    st.sampled_from(["=", "=", ":", ""]),
    _NUMBERS | _TEXT | st.sampled_from(["true", "no", "cpu", "hang", "all", "ipc"]),
)
_WORDS = st.sampled_from(
    [
        "list",
        "show",
        "run",
        "--help",
        "-h",
        "--version",
        "-v",
        "--verbose",
        "--",
        "-",
        "--bogus",
        "--pool-sizes",
        "--repeat",
        "--set",
        "--json",
        "--csv",
        "--timeout",
        *SCENARIOS,
    ]
)
_TOKEN = st.one_of(_WORDS, _WORDS, _TEXT, _NUMBERS, _SETTINGS)


@st.composite
def run_commands(draw):
    """``run ID`` with options that mostly parse, so validation deep inside is reached too."""
    argv = ["run", draw(st.sampled_from(list(SCENARIOS)) | _TEXT)]
    for _ in range(draw(st.integers(0, 5))):
        option = draw(st.sampled_from(["--set", "--set", "--pool-sizes", "--repeat", "--timeout"]))
        if option == "--set":
            value = _SETTINGS
        elif option == "--pool-sizes":
            value = st.lists(_NUMBERS, min_size=0, max_size=4).map(",".join) | _NUMBERS
        else:
            value = _NUMBERS
        argv += [option, draw(value)]
    return argv


class _FakeRuns:
    """Stands in for ``cli_run.execute``: checks every request that got through validation.

    The property is about parsing and validation, so no run starts here (a valid request with
    n = 100,000 CPU tasks would take minutes); real runs at the limits are tested below. With
    ``vary`` the fake ends its runs in turn as a real one can: completed (0), failed with its
    one line (1), interrupted with its one line (130), and Ctrl-C before the run's own handler
    (130), so every exit code the properties allow really occurs.
    """

    OUTCOMES = ("completed", "failed", "interrupted", "ctrl-c")

    def __init__(self) -> None:
        self.requests = []
        self.codes: list[int] = []
        self.vary = False

    def __call__(self, request) -> int:
        scenario = request.scenario
        assert scenario.resolve(request.params) == request.params
        assert request.pool_sizes and all(
            MIN_POOL_SIZE <= size <= MAX_POOL_SIZE for size in request.pool_sizes
        )
        assert scenario.sweeps or len(request.pool_sizes) == 1
        assert 1 <= request.repeats <= 50
        assert request.timeout is None or 0 < request.timeout <= 86_400
        self.requests.append(request)
        outcome = self.OUTCOMES[len(self.requests) % len(self.OUTCOMES) if self.vary else 0]
        self.codes.append({"completed": 0, "failed": 1}.get(outcome, 130))
        if outcome == "ctrl-c":
            raise KeyboardInterrupt
        if outcome == "failed":
            print(f"concurrency-lab: error: {scenario.id} failed (fake run)", file=sys.stderr)
        elif outcome == "interrupted":
            print(f"concurrency-lab: {scenario.id} interrupted (SIGINT)", file=sys.stderr)
        return self.codes[-1]


def _call(argv: list[str]) -> int:
    """``entry.main`` as ``python -m desktop_app`` runs it: SystemExit is an exit code too."""
    try:
        return entry.main(argv)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)


def check_outcome(argv, code, out, err) -> None:
    assert code in EXIT_CODES, (argv, code, err)
    assert "Traceback" not in err and "Traceback" not in out, (argv, err)
    lines = err.splitlines()
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith(PREFIX), (argv, err)
        assert out == "", (argv, out)
    else:
        assert len(lines) <= 1, (argv, err)  # e.g. "note: ... runs at one pool size"
    assert all(len(line) <= SHORT for line in lines), (argv, [len(line) for line in lines])


_HYPOTHESIS = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def fake_runs(monkeypatch, tmp_path):
    fake = _FakeRuns()
    monkeypatch.setattr(cli_run, "execute", fake)
    monkeypatch.chdir(tmp_path)  # a --json or --csv path a test makes up lands here
    return fake


@_HYPOTHESIS
@given(argv=st.lists(_TOKEN, max_size=8))
def test_any_arguments_exit_0_1_2_or_130_with_at_most_one_short_line(argv, fake_runs, capsys):
    if not argv:
        return  # no arguments opens the window: not the CLI
    fake_runs.vary = True
    code = _call(argv)
    out, err = capsys.readouterr()
    check_outcome(argv, code, out, err)


@_HYPOTHESIS
@given(argv=run_commands())
def test_any_run_settings_are_refused_in_one_line_or_reach_the_run_valid(argv, fake_runs, capsys):
    before = len(fake_runs.requests)
    fake_runs.vary = True
    code = _call(argv)
    out, err = capsys.readouterr()
    check_outcome(argv, code, out, err)
    reached = len(fake_runs.requests) == before + 1
    assert code == (fake_runs.codes[-1] if reached else 2), (argv, err)


def test_the_fake_runs_end_in_every_exit_code_the_cli_allows(fake_runs, capsys):
    """The properties above allow 0, 1, 2 and 130: each of them happens here for real."""
    fake_runs.vary = True
    codes = [_call(["run", "process-pool", "--set", f"n={n}"]) for n in range(1, 5)]
    codes.append(_call(["run", "process-pool", "--set", "n=0"]))
    assert sorted(set(codes)) == sorted(EXIT_CODES)
    for line in capsys.readouterr().err.splitlines():
        assert line.startswith(("concurrency-lab: ", PREFIX)) and len(line) <= SHORT


# --- the CLI in a real process: bytes that are not UTF-8, newlines, megabytes -----------------

HOSTILE_ARGV = {
    "undecodable scenario id": [b"show", b"\xff\xfe"],
    "undecodable parameter value": [b"run", b"process-pool", b"--set", b"n=\xff"],
    "latin-1 choice": [b"run", b"pool-timing", b"--set", b"workload=\xe9"],
    "newline in an argument": [b"list", b"a\nb"],
    "escape sequence in an id": [b"run", b"\x1b[2Jgone"],
    "100,000 digits": [b"run", b"process-pool", b"--set", b"n=" + b"9" * 100_000],
}


@pytest.mark.parametrize("name", list(HOSTILE_ARGV))
def test_hostile_bytes_in_argv_are_one_short_printable_line_and_exit_2(name, tmp_path):
    result = subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"desktop_app", *HOSTILE_ARGV[name]],
        capture_output=True,
        timeout=90,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    err = result.stderr.decode("utf-8")  # strict: the message itself must be valid UTF-8
    assert result.returncode == 2, err
    assert result.stdout == b""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX), err
    assert len(lines[0]) <= SHORT and lines[0].isprintable(), lines[0]


def test_an_undecodable_output_path_is_written_as_given(tmp_path):
    target = os.fsencode(tmp_path) + b"/report-\xff.json"
    result = subprocess.run(
        [
            os.fsencode(sys.executable),
            b"-m",
            b"desktop_app",
            b"run",
            b"process-pool",
            b"--set",
            b"n=3",
            b"--pool-sizes",
            b"1",
            b"--json",
            target,
        ],
        capture_output=True,
        timeout=90,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    with open(target, "rb") as handle:
        (run,) = json.load(handle)["runs"]
    assert run["results"] == [1, 4, 9]


# --- limits: every numeric parameter at and past its bounds, in the CLI ------------------------


def _numeric_params():
    for scenario in SCENARIOS.values():
        for param in scenario.params:
            if param.kind in ("int", "float"):
                yield pytest.param(scenario.id, param, id=f"{scenario.id}:{param.name}")


def _text(param, value) -> str:
    return str(int(value)) if param.kind == "int" else repr(float(value))


@pytest.mark.parametrize(("scenario_id", "param"), list(_numeric_params()))
def test_cli_accepts_each_bound_and_refuses_past_it_naming_the_range(
    scenario_id, param, fake_runs, capsys
):
    step = 1 if param.kind == "int" else 0.001
    for value in (param.minimum, param.maximum):
        code = _call(["run", scenario_id, "--set", f"{param.name}={_text(param, value)}"])
        assert code == 0, capsys.readouterr().err
        assert fake_runs.requests[-1].params[param.name] == value
    for value in (param.minimum - step, param.maximum + step, param.maximum * 10**6 + 1):
        code = _call(["run", scenario_id, "--set", f"{param.name}={_text(param, value)}"])
        err = capsys.readouterr().err
        assert code == 2, err
        assert f"{param.name}=" in err and f"to {param.maximum:g}" in err, err


@pytest.mark.parametrize(
    ("sizes", "code"),
    [("1", 0), (str(MAX_POOL_SIZE), 0), ("1,64", 0), ("0", 2), ("65", 2), ("-1", 2), ("1,,2", 2)],
)
def test_cli_pool_sizes_at_and_past_the_limits(sizes, code, fake_runs, capsys):
    assert _call(["run", "pool-timing", "--pool-sizes", sizes]) == code
    err = capsys.readouterr().err
    if code:
        assert "1 to 64" in err or "not a pool size" in err, err
    else:
        assert fake_runs.requests[-1].pool_sizes == tuple(int(s) for s in sizes.split(","))


def test_a_real_run_at_pool_size_one_and_at_the_largest_pool(tmp_path, capsys):
    """The engine's own bounds, run for real: 1 worker, then 64 processes; nothing is left."""
    for size in (1, MAX_POOL_SIZE):
        out = tmp_path / f"report-{size}.json"
        argv = ["run", "process-pool", "--pool-sizes", str(size), "--set", f"n={size}"]
        assert _call([*argv, "--set", "chunksize=1", "--json", str(out)]) == 0
        capsys.readouterr()
        (run,) = json.loads(out.read_text())["runs"]
        assert (run["pool_size"], run["results"]) == (size, [x * x for x in range(1, size + 1)])
