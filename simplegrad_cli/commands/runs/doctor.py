"""`simplegrad doctor`: what went wrong (or right) in a run, read off its folder: each finding
a sentence, its evidence in numbers and the commands to run next (doctor/examination.py)."""
from simplegrad_cli.doctor.evidence import Evidence
from simplegrad_cli.doctor.examination import examine, healthy
from simplegrad_cli.ui.console import say
from simplegrad_cli.ui.report import Report
from simplegrad_cli.words import plural

TROUBLE = ("problem", "warning")  # severities that make a run not healthy


def run(options):
    """The findings of the run `options.run`, worst first; exit code 0 whatever they are."""
    evidence = Evidence.read(options.run)
    findings = examine(evidence)
    trouble = [f for f in findings if f.severity in TROUBLE]
    verdict = healthy(evidence) if not trouble else ", ".join(
        plural(sum(f.severity == s for f in trouble), s) for s in TROUBLE
        if any(f.severity == s for f in trouble))
    data = {"run": evidence.folder, "status": (evidence.end or {}).get("status"),
            "diagnostics": evidence.diagnostics is not None, "healthy": not trouble,
            "verdict": verdict, "findings": [f.to_json() for f in findings]}

    def render(console):
        say(console, f"doctor: {evidence.folder}")
        if not trouble:
            say(console, verdict)
        for finding in findings:
            say(console, "", f"{finding.severity}: {finding.summary}",
                f"  evidence: {finding.evidence}", wrap=False)
            say(console, *(f"  next: {command}" for command in finding.next), wrap=False)
    return Report(data, render)
