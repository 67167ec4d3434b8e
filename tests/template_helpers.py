"""Helpers for reading a synthesized template in construct tests (shared by
the modules that test BestPracticeVpc's resources)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Stack

from vpc_patterns import BestPracticeVpc, SubnetKind
from vpc_patterns.plan.network import VpcPlan

T_ROUTE = "AWS::EC2::Route"
T_ASSOC = "AWS::EC2::SubnetRouteTableAssociation"


def ref(value: Any) -> str:
    assert isinstance(value, dict) and set(value) == {"Ref"}, f"not a Ref: {value!r}"
    return value["Ref"]


def getatt(value: Any) -> tuple[str, str]:
    assert isinstance(value, dict) and set(value) == {"Fn::GetAtt"}, f"not a GetAtt: {value!r}"
    lid, attr = value["Fn::GetAtt"]
    return lid, attr


def as_list(v: Any) -> list:
    return v if isinstance(v, list) else [v]


def statements(policy_doc: dict) -> list[dict]:
    return as_list(policy_doc["Statement"])


def tags(resource: dict) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resource.get("Properties", {}).get("Tags", [])}


def az_select_index(subnet: dict) -> int:
    """The i of ``Fn::Select [i, Fn::GetAZs '']`` (fails on anything else)."""
    az = subnet["Properties"]["AvailabilityZone"]
    assert isinstance(az, dict) and set(az) == {"Fn::Select"}, f"AZ is not Fn::Select: {az!r}"
    index, azs = az["Fn::Select"]
    assert azs == {"Fn::GetAZs": ""}, f"AZ list is not Fn::GetAZs '': {azs!r}"
    return int(index)


def refs_in(value: Any) -> set[str]:
    """Every logical id Ref'd anywhere inside ``value``."""
    out: set[str] = set()
    if isinstance(value, dict):
        if set(value) == {"Ref"} and isinstance(value["Ref"], str):
            out.add(value["Ref"])
        for v in value.values():
            out |= refs_in(v)
    elif isinstance(value, list):
        for v in value:
            out |= refs_in(v)
    return out


def check_handler(resources: dict[str, dict], custom_resource_lid: str) -> dict:
    """What a custom resource served by an inline handler must have, read from
    the template; returns the function's properties.

    * no reserved concurrency (a reservation fails in an account whose
      unreserved concurrency is at Lambda's minimum of 10);
    * ``ServiceTimeout`` above the function's timeout by at least the age
      after which Lambda drops a queued invocation, so every run that starts
      answers before CloudFormation gives up, and far below the default hour;
    * asynchronous invocations not retried and dropped when stale, in place
      before CloudFormation first invokes the function.
    """
    cr = resources[custom_resource_lid]
    fn_lid, attr = getatt(cr["Properties"]["ServiceToken"])
    assert attr == "Arn"
    fn = resources[fn_lid]["Properties"]
    assert "ReservedConcurrentExecutions" not in fn
    [config_lid] = [lid for lid, r in resources.items()
                    if r["Type"] == "AWS::Lambda::EventInvokeConfig"
                    and r["Properties"]["FunctionName"] == {"Ref": fn_lid}]
    config = resources[config_lid]["Properties"]
    assert config["Qualifier"] == "$LATEST"  # what CloudFormation's unqualified ARN invokes
    assert config["MaximumRetryAttempts"] == 0
    age = config["MaximumEventAgeInSeconds"]
    assert age == 60  # Lambda's minimum
    service_timeout = int(cr["Properties"]["ServiceTimeout"])
    assert service_timeout > fn["Timeout"]
    assert service_timeout >= fn["Timeout"] + age
    assert service_timeout <= fn["Timeout"] + 120 and service_timeout < 3600
    assert config_lid in as_list(cr.get("DependsOn", []))
    return fn


@dataclass
class SynthedVpc:
    """A stack holding one BestPracticeVpc, and its synthesized template."""

    stack: Stack
    vpc: BestPracticeVpc
    tpl: dict[str, Any]

    @property
    def plan(self) -> VpcPlan:
        return self.vpc.plan

    @property
    def res(self) -> dict[str, dict]:
        return self.tpl["Resources"]

    def of_type(self, type_: str) -> dict[str, dict]:
        return {k: v for k, v in self.res.items() if v["Type"] == type_}

    def lid(self, construct: Any) -> str:
        """Logical id of an L1 construct (resolved, not a token)."""
        return self.stack.resolve(construct.logical_id)

    def subnet_lid(self, construct_id: str) -> str:
        return self.lid(self.vpc.subnets[construct_id])

    def props(self, lid: str) -> dict:
        return self.res[lid].get("Properties", {})

    def only(self, type_: str) -> tuple[str, dict]:
        found = self.of_type(type_)
        assert len(found) == 1, f"expected one {type_}, found {sorted(found)}"
        return next(iter(found.items()))

    def vpc_lid(self) -> str:
        return self.only("AWS::EC2::VPC")[0]

    def route_table_of(self, subnet_lid: str) -> str:
        """The route table a subnet is associated with (exactly one association)."""
        tables = [
            ref(a["Properties"]["RouteTableId"])
            for a in self.of_type(T_ASSOC).values()
            if a["Properties"]["SubnetId"] == {"Ref": subnet_lid}
        ]
        assert len(tables) == 1, f"{subnet_lid} has {len(tables)} route table associations"
        return tables[0]

    def routes_of(self, rt_lid: str) -> list[dict]:
        return [
            {"lid": k, **v}
            for k, v in self.of_type(T_ROUTE).items()
            if v["Properties"]["RouteTableId"] == {"Ref": rt_lid}
        ]

    def subnets_of_kind(self, kind: SubnetKind) -> list[str]:
        return [self.subnet_lid(s.construct_id) for s in self.plan.subnets_by_kind(kind)]
