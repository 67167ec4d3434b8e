"""The package as users install it: metadata, the ``nag`` extra, an sdist
without the repository's tests, a README that says which Node.js a consumer
needs, nothing printed on stdout during synth, and errors in the names of the
public options.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import tomllib
from aws_cdk import App, Stack

from vpc_patterns import AclRule, BestPracticeVpc, ConfigError

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
README = (ROOT / "README.md").read_text()


def test_metadata_describes_the_package() -> None:
    assert PROJECT["description"]
    assert PROJECT["readme"] == "README.md"
    assert PROJECT["license"] == "Apache-2.0"
    assert PROJECT["requires-python"] == ">=3.10"
    classifiers = PROJECT["classifiers"]
    assert "Framework :: AWS CDK :: 2" in classifiers
    assert "Typing :: Typed" in classifiers
    versions = {c.rsplit(" :: ", 1)[1] for c in classifiers
                if c.startswith("Programming Language :: Python :: 3.")}
    assert "3.10" in versions and "3.11" in versions  # the floor and the version CI runs


def test_nag_extra_and_its_earlier_name() -> None:
    extras = PROJECT["optional-dependencies"]
    assert [d for d in extras["nag"] if d.startswith("cdk-nag")] == ["cdk-nag>=3.0.2,<4"]
    assert extras["compliance"] == extras["nag"]
    # and the library says which extra to install when cdk-nag is missing
    source = (ROOT / "constructs/vpc_patterns/build/compliance.py").read_text()
    assert "'vpc-patterns[nag]'" in source


@pytest.mark.skipif(importlib.util.find_spec("build") is None,
                    reason="the `build` package is not installed (requirements.txt has it)")
def test_sdist_ships_the_library_without_the_tests(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir",
         str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    (sdist,) = tmp_path.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = [n.split("/", 1)[1] for n in tar.getnames() if "/" in n]
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"constructs", "README.md", "pyproject.toml", "PKG-INFO", "setup.cfg",
                    "MANIFEST.in"}, tops
    assert "constructs/vpc_patterns/__init__.py" in names
    assert any(n.startswith("constructs/vpc_patterns/data/endpoint-services-") for n in names)
    assert not any("__pycache__" in n for n in names)


def test_readme_says_which_node_and_how_to_run_the_cli() -> None:
    assert "**Node.js 22 or 24.**" in README
    assert "npx cdk synth" in README
    assert 'pip install "vpc-patterns[nag]"' in README


def test_nothing_goes_to_stdout_during_synth(tmp_path: Path) -> None:
    script = tmp_path / "app.py"
    script.write_text(
        "import sys\n"
        "from aws_cdk import App, Stack, Validations, aws_rds as rds\n"
        "from vpc_patterns import BestPracticeVpc, InterfaceEndpoints, NatProvider, Tier, "
        "compliance_plugins\n"
        "app = App(outdir=sys.argv[1])\n"
        "stack = Stack(app, 'Shop')\n"
        "net = BestPracticeVpc(stack, 'Net', nat=NatProvider.single_gateway(), tiers=[\n"
        "    Tier('public', 'public'), Tier('app', 'private'), Tier('data', 'isolated'),\n"
        "    Tier('cache', 'isolated', cidr_mask=24)])\n"
        "InterfaceEndpoints(stack, 'Endpoints', network=net, services=['ssm', 'ecr.api'],\n"
        "                   tier='app')\n"
        "rds.SubnetGroup(stack, 'Db', description='db', vpc=net.vpc,\n"
        "                vpc_subnets=net.select('data'))\n"
        "table = net.plan.table()\n"
        "assert isinstance(table, str) and 'data' in table\n"
        "app.synth()\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "constructs"), str(ROOT),
                                                     env.get("PYTHONPATH", "")) if p)
    result = subprocess.run([sys.executable, str(script), str(tmp_path / "out")], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout == ""
    assert (tmp_path / "out" / "Shop.template.json").exists()


def _error(**options: object) -> str:
    with pytest.raises(ConfigError) as err:
        BestPracticeVpc(Stack(App(), "Errors"), "Net", **options)  # type: ignore[arg-type]
    return str(err.value)


def test_acl_errors_name_the_options_of_best_practice_vpc() -> None:
    msg = _error(acl_rules={"nope": []})
    assert msg.startswith("acl_rules names tier 'nope'")
    msg = _error(isolated_reachable_from={"public": []})
    assert msg.startswith("isolated_reachable_from names tier 'public'")
    many = [AclRule(200 + n, "allow", "tcp", ports=(2000 + n, 2000 + n), cidr="10.9.0.0/16",
                    description="one port") for n in range(1, 20)]
    msg = _error(acl_rules={"public": many})
    assert "19 of acl_rules" in msg and "drop acl_rules, public_ingress_ports" in msg
    # options BestPracticeVpc does not take are said to belong to TierNetworkAcls
    assert "max_rules_per_direction: options of TierNetworkAcls" in msg
    for internal in ("user_rules", " reachable_from", "(reachable_from"):
        assert internal not in msg
