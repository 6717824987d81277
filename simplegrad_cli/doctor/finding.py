"""A doctor's finding: what is wrong (or worth knowing) about a run, its evidence in numbers, and
the next step as commands."""
from dataclasses import asdict, dataclass, field

SEVERITIES = ("problem", "warning", "note")  # a note is no fault: how the run ended, a hint


@dataclass
class Finding:
    """One thing the doctor found: its `kind`, `severity` (one of SEVERITIES), a sentence
    saying it, the evidence in numbers (`epoch`/`step` where it happened), `next` commands."""

    kind: str
    severity: str
    summary: str
    evidence: str
    next: list = field(default_factory=list)
    epoch: int = None
    step: int = None
    values: dict = field(default_factory=dict)

    def to_json(self):
        return asdict(self)
