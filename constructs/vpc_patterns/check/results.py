"""What checking an intent yields: a verdict (pass / fail / unknown), a
one-line summary, the *findings* that break the intent or leave it open (each
with its path: subnet, route table, route or ACL entry, target) and the
*evidence* that makes it hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vpc_patterns.check.answers import UNKNOWN
from vpc_patterns.check.paths import Path, path_text, path_to_list
from vpc_patterns.plan.intents import Intent

PASS, FAIL = "pass", "fail"
VERDICTS = (PASS, FAIL, UNKNOWN)


@dataclass(frozen=True)
class Finding:
    """One reason: a failure, an open question, or (as evidence) a fact."""

    verdict: str
    message: str
    path: Path = ()

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "message": self.message,
                "path": path_to_list(self.path), "path_text": path_text(self.path)}


@dataclass(frozen=True)
class IntentResult:
    intent: Intent
    verdict: str
    summary: str
    #: what breaks the intent (fail) or leaves it open (unknown)
    findings: tuple[Finding, ...] = ()
    #: what makes it hold, subnet by subnet
    evidence: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent.to_dict(),
            "label": self.intent.label,
            "description": self.intent.describe(),
            "verdict": self.verdict,
            "summary": self.summary,
            "findings": [f.to_dict() for f in self.findings],
            "evidence": [f.to_dict() for f in self.evidence],
        }


def result(intent: Intent, findings: list[Finding], evidence: list[Finding],
            ok: str, extra: str = "") -> IntentResult:
    fails = [f for f in findings if f.verdict == FAIL]
    unknown = [f for f in findings if f.verdict == UNKNOWN]
    if fails:
        verdict = FAIL
        summary = f"{len(fails)} violation(s): {fails[0].message}"
    elif unknown:
        verdict = UNKNOWN
        summary = f"cannot tell from the template: {unknown[0].message}"
    else:
        verdict = PASS
        summary = ok
    if extra:
        summary += f" ({extra})"
    return IntentResult(intent, verdict, summary, tuple(findings), tuple(evidence))
