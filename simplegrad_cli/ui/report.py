"""A command's result and the one way it is printed: `emit` writes the report's JSON (--json)
or its rendering for people, then its notes on stderr, and returns its exit code."""
from dataclasses import dataclass, field
from typing import Callable, Optional

from simplegrad_cli.errors import OK
from simplegrad_cli.ui.console import info, print_json, results_console, write


@dataclass
class Report:
    """What a command found: `data` for --json, `render(console)` for people, `notes` for stderr
    after either, and `exit_code` (1 when a check the user asked for failed)."""

    data: object
    render: Optional[Callable] = None
    exit_code: int = OK
    notes: list = field(default_factory=list)

    def to_json(self):
        """The report as --json prints it."""
        return self.data


def emit(report, as_json=False):
    """Print `report` as JSON or for people, then its notes; returns its exit code."""
    if as_json:
        print_json(report.to_json())
    elif report.render is not None:
        report.render(results_console())
    for note in report.notes:
        info(note)
    return report.exit_code


def config_report(cfg):
    """A resolved config as a report (--print-config): YAML for people, its values as JSON."""
    return Report(cfg.values, lambda console: write(cfg.to_yaml()))
