"""Intent kinds and their evaluators: the plan layer defines the kinds, the
check layer registers exactly one evaluator per kind, and an intent without
one fails loudly instead of passing. Also the layer rule behind it: the plan
layer never imports the check layer, the check layer never imports the CDK
or the build layer."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from vpc_patterns import ConfigError
from vpc_patterns.check import NetworkAnalyzer, Template, build_models, evaluators, verify_model
from vpc_patterns.check.evaluators import EVALUATORS, evaluate, evaluates, evaluator_for
from vpc_patterns.check.results import FAIL, Finding, IntentResult, result
from vpc_patterns.plan.intents import Intent, NoInternet, Reaches, intent_kinds

from .conftest import ROOT
from .network_templates import three_tier

PACKAGE = ROOT / "constructs" / "vpc_patterns"


def _concrete_subclasses(cls: type[Intent]) -> set[type[Intent]]:
    out: set[type[Intent]] = set()
    for sub in cls.__subclasses__():
        if sub.kind:
            out.add(sub)
        out |= _concrete_subclasses(sub)
    return out


def _model():
    body = three_tier().template()
    return build_models(Template("t.template.json", "t", body))[0]


@pytest.fixture
def private_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Intent kinds a test defines register into a copy, dropped afterwards
    (so no other test sees them, e.g. in "accepted: ..." messages)."""
    monkeypatch.setattr(Intent, "_registry", dict(Intent._registry))
    monkeypatch.setattr("vpc_patterns.check.evaluators.EVALUATORS", dict(EVALUATORS))


def test_every_intent_kind_has_exactly_one_evaluator() -> None:
    kinds = intent_kinds()
    assert {"no_internet", "egress_only", "internet_ingress_only", "egress_in_az",
            "acl_returns_admitted", "gateway_endpoint", "reaches"} <= set(kinds)
    # every concrete subclass is in the plan registry under its own kind
    assert _concrete_subclasses(Intent) == set(kinds.values())
    for kind, cls in kinds.items():
        assert cls.kind == kind
    # one evaluator per kind, none for anything else
    assert set(EVALUATORS) == set(kinds.values())
    for cls in kinds.values():
        assert callable(evaluator_for(cls))
    # the evaluators are distinct functions: no evaluator serves two kinds
    assert len({id(fn) for fn in EVALUATORS.values()}) == len(EVALUATORS)


def test_evaluate_dispatches_to_the_registered_evaluator() -> None:
    an = NetworkAnalyzer(_model())
    result = evaluate(NoInternet("isolated"), an)
    assert result.intent == NoInternet("isolated")
    assert result.verdict == "pass"
    assert EVALUATORS[NoInternet].__name__ == "_no_internet"
    assert EVALUATORS[Reaches].__name__ == "_reaches"


def test_a_second_evaluator_for_a_kind_is_refused() -> None:
    before = dict(EVALUATORS)
    with pytest.raises(TypeError, match="'no_internet' already has an evaluator: _no_internet"):
        evaluates(NoInternet)(lambda intent, an: None)
    assert EVALUATORS == before


@pytest.mark.parametrize("kind", [Intent, int, "no_internet"])
def test_only_registered_intent_kinds_take_an_evaluator(kind: object) -> None:
    with pytest.raises(TypeError, match="not a registered intent kind"):
        evaluates(kind)  # type: ignore[arg-type]


def test_an_intent_kind_without_evaluator_fails_loudly(private_registry: None) -> None:
    @dataclass(frozen=True)
    class Unchecked(Intent):
        kind: ClassVar[str] = "unchecked_for_test"
        tier: str

        def describe(self) -> str:
            return f"tier {self.tier} is never checked"

    # a kind of the plan registry like the others ...
    assert intent_kinds()["unchecked_for_test"] is Unchecked
    assert Unchecked("app").label == "unchecked_for_test(app)"
    # ... so the completeness check above would fail ...
    assert set(EVALUATORS) != set(intent_kinds().values())
    # ... and verifying it raises instead of passing
    model = _model()
    with pytest.raises(ConfigError, match=r"intent .*Unchecked.* has no evaluator .*"
                                          r"@evaluates\(Unchecked\)"):
        verify_model(model, [Unchecked("app")])
    with pytest.raises(ConfigError, match="has no evaluator"):
        evaluate(Unchecked("app"), NetworkAnalyzer(model))
    with pytest.raises(ConfigError, match=r"intent kind 'unchecked_for_test' \(Unchecked\) has "
                                          r"no evaluator.*checked kinds: acl_returns_admitted"):
        evaluator_for(Unchecked)


def test_registering_an_evaluator_for_a_new_kind_makes_it_checkable(
        private_registry: None) -> None:
    @dataclass(frozen=True)
    class AlwaysFails(Intent):
        kind: ClassVar[str] = "always_fails_for_test"

        def describe(self) -> str:
            return "nothing holds"

    @evaluates(AlwaysFails)
    def _always_fails(intent: AlwaysFails, an: NetworkAnalyzer) -> IntentResult:
        return result(intent, [Finding(FAIL, "by construction")], [], "never")

    assert set(evaluators.EVALUATORS) == set(intent_kinds().values())
    v = verify_model(_model(), [AlwaysFails()])
    assert [r.verdict for r in v.results] == ["fail"]
    assert v.results[0].summary == "1 violation(s): by construction"


# ---------------------------------------------------------------------------
# Layer rule
# ---------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    """Absolute module names a source file imports (anywhere in it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            out.add(node.module or "")
            out |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant):
                out.add(str(node.args[0].value))
    return out


def _layer_files(layer: str) -> list[Path]:
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files, layer
    return files


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_the_plan_layer_does_not_import_the_check_layer() -> None:
    bad = {(p.name, m) for p in _layer_files("plan") for m in _imports(p)
           if _under(m, "vpc_patterns.check") or _under(m, "aws_cdk")}
    assert not bad


def test_the_check_layer_imports_neither_the_cdk_nor_the_build_layer() -> None:
    bad = {(str(p.relative_to(PACKAGE)), m) for p in _layer_files("check") for m in _imports(p)
           if _under(m, "aws_cdk") or _under(m, "vpc_patterns.build") or _under(m, "constructs")}
    assert not bad


def test_the_import_scan_sees_imports() -> None:
    """The scan above finds what it looks for (so an empty result means something)."""
    found = _imports(PACKAGE / "check" / "verify.py")
    assert "vpc_patterns.check.evaluators.evaluate" in found
    assert "vpc_patterns.plan.intents" in found
    built = _imports(PACKAGE / "build" / "vpc.py")
    assert any(_under(m, "aws_cdk") for m in built)
