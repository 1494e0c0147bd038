"""cdk-nag: the AwsSolutions rule pack on every stack, and a reader for what it reports.

Suppressions stay next to the resource they concern (NagSuppressions with a reason), so a reader
of a stack sees why a rule does not apply; this module only turns the checks on and collects.
"""

from __future__ import annotations

from aws_cdk import Aspects, Stage, cx_api
from cdk_nag import AwsSolutionsChecks

NAG_PREFIX = "AwsSolutions-"


def add_checks(app: Stage) -> None:
    """Run AwsSolutions checks at synth; unsuppressed errors are reported as error annotations."""
    Aspects.of(app).add(AwsSolutionsChecks(verbose=True))


def nag_findings(
    assembly: cx_api.CloudAssembly,
    level: cx_api.SynthesisMessageLevel = cx_api.SynthesisMessageLevel.ERROR,
    prefix: str = NAG_PREFIX,
) -> list[str]:
    """'<stack> <path>: <message>' for every annotation of `level` whose text has `prefix`."""
    findings = []
    for stack in assembly.stacks:
        for message in stack.messages:
            text = str(message.entry.data)
            if message.level == level and prefix in text:
                findings.append(f"{stack.stack_name} {message.id}: {text.splitlines()[0]}")
    return findings
