"""Shared by the fuzz tests: their settings, the one check every result must pass, and a tally
of exit codes (shown in pytest's terminal summary)."""
import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("SIMPLEGRAD_FUZZ_EXAMPLES", "0"))  # > 0: a longer soak run


def fuzz(examples):
    """Hypothesis settings for a fuzz test: `examples` examples, the same ones every run (the
    test command must not turn red by luck), or $SIMPLEGRAD_FUZZ_EXAMPLES random ones (a soak
    run that explores); no deadline, no example database written into the repository."""
    return settings(max_examples=EXAMPLES or examples, derandomize=not EXAMPLES, deadline=None,
                    database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])


COUNTS = {}  # (test, exit code) -> examples; conftest.py prints them after the run


def assert_clean(result, allowed=(0, 2), what=""):
    """No traceback, no internal error, an allowed exit code, and one line when it failed."""
    stderr = result.stderr
    assert "Traceback" not in stderr, (what, stderr)
    assert "internal error" not in stderr, (what, stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        (what, repr(result.exception))
    assert result.exit_code in allowed, (what, result.exit_code, stderr)
    if result.exit_code == 1:  # only a diverged run may end with 1 here, after its progress
        assert stderr.splitlines()[-1].startswith("training diverged"), (what, stderr)
    if result.exit_code == 2:  # bad input is refused before any work, in one line
        assert len(stderr.splitlines()) == 1, (what, stderr)


def count(test, code):
    """Tally an example's exit code for the report."""
    COUNTS[(test, code)] = COUNTS.get((test, code), 0) + 1


def summary_lines(counts, verbose=False):
    """The report: one short line of examples by exit code; with `verbose` (pytest -v), one
    more line per test and exit code."""
    if not counts:
        return []
    codes = {}
    for (_, code), n in counts.items():
        codes[code] = codes.get(code, 0) + n
    total = sum(codes.values())
    tests = len({test for test, _ in counts})
    by_code = ", ".join(f"exit {code}: {n:,}" for code, n in sorted(codes.items()))
    lines = [f"fuzz examples: {total:,} in {tests} groups ({by_code}; -v for each group)"]
    if verbose:
        lines += [f"  {test} exit {code}: {n:,}" for (test, code), n in sorted(counts.items())]
    return lines
