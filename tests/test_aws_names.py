"""Validated names: interface endpoint services and EC2 instance types are
checked against dated lists of what AWS publishes, so a typo that CloudFormation
would accept and the deploy would reject (``"ecr"``, ``"secrets-manager"``,
``"t4g.nanoo"``) fails at synthesis with the nearest real name, and a name
newer than the list passes with the option's escape hatch.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aws_cdk import App, Stack

from stacks.connectivity import DEMO_INSTANCE_TYPE, PROD_ENDPOINT_SERVICES
from vpc_patterns import BestPracticeVpc, ConfigError, InterfaceEndpoints, NatProvider, plan_network
from vpc_patterns.plan.aws_names import DATA_DIR, endpoint_services, instance_types
from vpc_patterns.plan.endpoints import _SERVICE, plan_interface_endpoints, validate_service_name

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- the data


@pytest.mark.parametrize("prefix", ["endpoint-services", "ec2-instance-types"])
def test_data_files_are_dated_and_say_they_are_not_per_region(prefix: str) -> None:
    files = sorted(DATA_DIR.glob(f"{prefix}-*.txt"))
    assert files, prefix
    assert all(re.fullmatch(rf"{prefix}-20[0-9]{{2}}-[01][0-9]\.txt", f.name) for f in files)
    text = files[-1].read_text()
    assert "NOT region-specific" in text
    assert "allow_unlisted=True" in text


def test_the_newest_file_is_read() -> None:
    services, types = endpoint_services(), instance_types()
    assert services.path == sorted(DATA_DIR.glob("endpoint-services-*.txt"))[-1]
    assert types.path == sorted(DATA_DIR.glob("ec2-instance-types-*.txt"))[-1]
    assert services.date == services.path.stem.removeprefix("endpoint-services-")


def test_every_listed_service_is_a_well_formed_short_name() -> None:
    names = endpoint_services().names
    assert len(names) > 150
    assert sorted(n for n in names if not _SERVICE.match(n)) == []
    # the gateway services are not interface endpoints built here
    assert not {"s3", "dynamodb"} & names


def test_the_services_people_use_most_are_listed() -> None:
    common = {"ecr.api", "ecr.dkr", "secretsmanager", "ssm", "ssmmessages", "ec2messages",
              "logs", "sts", "kms", "sqs", "sns", "execute-api", "monitoring", "events",
              "elasticloadbalancing", "ecs", "ecs-agent", "ecs-telemetry", "lambda", "rds",
              "states", "xray", "kinesis-streams", "kinesis-firehose", "elasticfilesystem"}
    assert common - endpoint_services().names == set()


def test_instance_types_expand_family_and_size() -> None:
    types = instance_types().names
    assert {"t4g.nano", "t3.micro", "m7g.large", "c6gn.16xlarge", "r7i.metal-48xl",
            "m7i-flex.large", "mac2.metal"} <= types
    assert "t4g.nanoo" not in types and "t4g" not in types
    assert all(re.fullmatch(r"[a-z][a-z0-9-]*\.[a-z0-9-]+", t) for t in types)


def test_every_name_the_reference_app_uses_is_listed() -> None:
    assert set(PROD_ENDPOINT_SERVICES) <= endpoint_services().names
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    used = {DEMO_INSTANCE_TYPE, NatProvider.instances().instance_type}
    used |= set(re.findall(r'"nat_instance_type":\s*"([^"]+)"', json.dumps(context)))
    assert used - instance_types().names == set()


# ------------------------------------------------------- endpoint services


@pytest.mark.parametrize("given, nearest", [
    ("ecr", "did you mean 'ecr.api' or 'ecr.dkr'?"),
    ("secrets-manager", "did you mean 'secretsmanager'?"),
    ("cloudwatch", "did you mean 'monitoring'?"),
    ("ssm-messages", "did you mean 'ssmmessages'"),
])
def test_unlisted_service_names_the_nearest(given: str, nearest: str) -> None:
    with pytest.raises(ConfigError) as err:
        validate_service_name(given)
    msg = str(err.value)
    assert msg.startswith(f"service {given!r} is not in the interface endpoint services AWS "
                          f"published as of {endpoint_services().date}")
    assert nearest in msg
    assert "pass InterfaceEndpoints(..., allow_unlisted=True)" in msg


def test_allow_unlisted_admits_a_newer_service() -> None:
    assert validate_service_name("brand-new-service", allow_unlisted=True) == "brand-new-service"
    plan = plan_interface_endpoints(plan_network(), ["ecr.api", "brand-new-service"],
                                    allow_unlisted=True)
    assert [e.service for e in plan.endpoints] == ["ecr.api", "brand-new-service"]
    # the escape hatch does not turn off the other checks
    with pytest.raises(ConfigError, match="served by the network's gateway endpoint"):
        validate_service_name("s3", allow_unlisted=True)
    with pytest.raises(ConfigError, match="allow_unlisted 'yes' must be True or False"):
        validate_service_name("ssm", allow_unlisted="yes")  # type: ignore[arg-type]


def test_interface_endpoints_refuse_a_typo_before_building() -> None:
    stack = Stack(App(), "Names")
    net = BestPracticeVpc(stack, "Net", max_azs=2, flow_log=False, network_acls=False,
                          restrict_default_security_group=False)
    with pytest.raises(ConfigError, match=r"service 'ecr' is not in .*'ecr\.api' or 'ecr\.dkr'"):
        InterfaceEndpoints(stack, "Bad", network=net, services=["ecr.dkr", "ecr"])
    assert stack.node.try_find_child("Bad") is None
    ok = InterfaceEndpoints(stack, "New", network=net, services=["brand-new-service"],
                            allow_unlisted=True)
    assert list(ok.endpoints) == ["brand-new-service"]


# ----------------------------------------------------------- instance types


def test_unlisted_nat_instance_type_names_the_option_and_the_nearest() -> None:
    with pytest.raises(ConfigError) as err:
        plan_network(nat=NatProvider.instances(instance_type="t4g.nanoo"))
    msg = str(err.value)
    assert msg.startswith("NatProvider.instances(instance_type=...) 't4g.nanoo' is not in the "
                          "EC2 instance types AWS published as of")
    assert "did you mean 't4g.nano'" in msg
    assert "pass NatProvider.instances(..., allow_unlisted=True)" in msg


def test_allow_unlisted_admits_a_newer_instance_type() -> None:
    plan = plan_network(nat=NatProvider.instances(instance_type="t9g.nano", allow_unlisted=True))
    assert {n.instance_type for n in plan.nats} == {"t9g.nano"}
    # still an instance type in form
    with pytest.raises(ConfigError, match="is not an EC2 instance type"):
        plan_network(nat=NatProvider.instances(instance_type="nano", allow_unlisted=True))


def test_listed_instance_types_pass() -> None:
    for itype in ("t4g.nano", "t3.small", "c7gn.medium", "m7g.large"):
        plan = plan_network(nat=NatProvider.instances(instance_type=itype))
        assert {n.instance_type for n in plan.nats} == {itype}
