"""End to end through the pinned CDK CLI: ``cdk bootstrap``, ``cdk deploy
--all``, an update and ``cdk destroy --all`` of the reference app (app.py,
cdk.json) into a moto server on loopback, with the deployed network read back
through the EC2 and CloudWatch Logs APIs and compared with the templates the
CLI deployed, resource by resource.

The CLI (node_modules/.bin/cdk, aws-cdk from package.json) is a subprocess;
it reaches the server at ``AWS_ENDPOINT_URL=http://localhost:<port>`` with
dummy credentials. It must say ``localhost``: moto reads the template from its
own S3 by the ``TemplateURL`` the CLI passes, and parses that URL path-style
only when the host is ``localhost``. The server runs in this process, so the
patches of moto defects on this path (tests/_moto_patches.py,
:func:`_moto_patches.for_the_cdk_cli`, each with a test in
tests/test_moto_patches.py proving it is still needed) apply to it. The
templates under test are never edited.

The custom resource that empties each VPC's default security group runs for
real: its inline Python handler is executed locally (not in Docker) with
boto3 pointed at the server, and the readback shows the rules it revoked.

:data:`FIDELITY` says, per resource type of the reference templates, whether
moto realizes it faithfully (read back and compared), approximately (it
exists, with the gap named) or not at all (moto's CloudFormation has no model:
the stack lists the resource with no type and no physical id). The tests
below keep every row true, and the README's emulator table is this dict.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (ROOT, HERE):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import _moto_patches  # noqa: E402
from _moto_server import FAKE_ENV, MotoServer, moto_server  # noqa: E402

pytestmark = [
    pytest.mark.e2e,
    # moto warns once per type it has no model for: FIDELITY lists them all.
    pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto:UserWarning"),
]

CDK = ROOT / "node_modules" / ".bin" / "cdk"
ACCOUNT = "123456789012"  # moto's default account
STACKS = ("vpc-patterns-dev", "vpc-patterns-prod", "vpc-patterns-shared", "vpc-patterns-peering")
NETWORK_STACKS = STACKS[:3]
#: The update: dev's flow-log retention, 30 days in cdk.json, becomes 60.
UPDATED_ENV, UPDATED_KEY, UPDATED_VALUE = "dev", "flow_log_retention_days", 60
#: Bound on each CLI command (the whole run takes well under a minute).
CLI_TIMEOUT_SECONDS = 300

FAITHFUL, APPROXIMATE, NOT_AT_ALL = "faithful", "approximately", "not at all"

#: Per resource type of the reference templates: how moto 5.2 realizes it
#: (with the patches), and what the readback checks or what is missing.
FIDELITY: dict[str, tuple[str, str]] = {
    "AWS::EC2::VPC": (FAITHFUL, "CIDR block"),
    "AWS::EC2::Subnet": (FAITHFUL, "CIDR block, AZ, VPC"),
    "AWS::EC2::RouteTable": (FAITHFUL, "VPC; its routes below"),
    "AWS::EC2::Route": (FAITHFUL, "destination and target (internet gateway, NAT gateway, "
                                  "peering connection) in its table"),
    "AWS::EC2::InternetGateway": (FAITHFUL, "attached to its VPC"),
    "AWS::EC2::VPCGatewayAttachment": (FAITHFUL, "the gateway (internet or VPN) is attached"),
    "AWS::EC2::NatGateway": (FAITHFUL, "zonal: subnet and Elastic IP; regional "
                                       "(AvailabilityMode regional) only approximately: a "
                                       "record with its VPC and no subnet, made by patch "
                                       "nat_gateway_requires_a_subnet"),
    "AWS::EC2::EIP": (FAITHFUL, "allocated; a NAT gateway's is held by it (dev's NAT "
                                "instances get theirs through EIPAssociation, not modelled)"),
    "AWS::EC2::VPCEndpoint": (FAITHFUL, "service, type, VPC, route tables (gateway) or "
                                        "subnets (interface)"),
    "AWS::EC2::FlowLog": (FAITHFUL, "resource, traffic type, destination type"),
    "AWS::EC2::VPCPeeringConnection": (FAITHFUL, "requester and accepter VPCs"),
    "AWS::Logs::LogGroup": (FAITHFUL, "retention, also after the update (patch "
                                      "log_group_has_no_cloudformation_update); moto drops "
                                      "KmsKeyId"),
    "Custom::VpcRestrictDefaultSG": (FAITHFUL, "the inline handler ran (patch "
                                               "lambda_runs_only_in_docker): the VPC's default "
                                               "security group has no rules"),
    "AWS::EC2::SubnetRouteTableAssociation": (APPROXIMATE, "recorded by the stack, never applied "
                                                           "in EC2 (no subnet association in "
                                                           "DescribeRouteTables)"),
    "AWS::EC2::SecurityGroup": (APPROXIMATE, "exists; rules not compared"),
    "AWS::EC2::SecurityGroupIngress": (APPROXIMATE, "accepted, no physical id"),
    "AWS::EC2::NetworkInterface": (APPROXIMATE, "exists; not compared"),
    "AWS::EC2::LaunchTemplate": (APPROXIMATE, "exists; not compared"),
    "AWS::EC2::Instance": (APPROXIMATE, "a record (no data plane)"),
    "AWS::EC2::VPNGateway": (APPROXIMATE, "exists and attached; no tunnels (the VPN "
                                          "connection is not modelled)"),
    "AWS::AutoScaling::AutoScalingGroup": (APPROXIMATE, "exists; instances are records"),
    "AWS::IAM::Role": (APPROXIMATE, "stored, never enforced"),
    "AWS::IAM::ManagedPolicy": (APPROXIMATE, "stored, never enforced"),
    "AWS::IAM::InstanceProfile": (APPROXIMATE, "stored"),
    "AWS::KMS::Key": (APPROXIMATE, "exists (patches kms_key_tags_read_as_tag_key, "
                                   "kms_key_policy_stored_as_dict); policy never enforced"),
    "AWS::Lambda::Function": (APPROXIMATE, "stored; inline Python run locally when invoked"),
    "AWS::S3::Bucket": (APPROXIMATE, "exists; settings not compared"),
    "AWS::SNS::Topic": (APPROXIMATE, "exists"),
    "AWS::CloudWatch::Dashboard": (APPROXIMATE, "exists; its alarm ARNs are placeholders "
                                                "(patch get_att_of_unmodelled_type_undefined)"),
    "AWS::EC2::NetworkAcl": (NOT_AT_ALL, "no model: the subnets keep the VPC's default ACL"),
    "AWS::EC2::NetworkAclEntry": (NOT_AT_ALL, "no model"),
    "AWS::EC2::SubnetNetworkAclAssociation": (NOT_AT_ALL, "no model"),
    "AWS::EC2::SecurityGroupEgress": (NOT_AT_ALL, "no model"),
    "AWS::EC2::EIPAssociation": (NOT_AT_ALL, "no model"),
    "AWS::EC2::CustomerGateway": (NOT_AT_ALL, "no model"),
    "AWS::EC2::VPNConnection": (NOT_AT_ALL, "no model"),
    "AWS::EC2::VPNConnectionRoute": (NOT_AT_ALL, "no model"),
    "AWS::EC2::VPNGatewayRoutePropagation": (NOT_AT_ALL, "no model"),
    "AWS::EC2::VPCBlockPublicAccessExclusion": (NOT_AT_ALL, "no model"),
    "AWS::EC2::VPCEncryptionControl": (NOT_AT_ALL, "no model"),
    "AWS::SecretsManager::Secret": (NOT_AT_ALL, "no CloudFormation model"),
    "AWS::Route53Resolver::ResolverEndpoint": (NOT_AT_ALL, "no CloudFormation model"),
    "AWS::Route53Resolver::ResolverRule": (NOT_AT_ALL, "no CloudFormation model"),
    "AWS::Route53Resolver::ResolverRuleAssociation": (NOT_AT_ALL, "no CloudFormation model"),
    "AWS::Route53Resolver::ResolverQueryLoggingConfig": (NOT_AT_ALL, "no CloudFormation model"),
    "AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation": (NOT_AT_ALL,
                                                                    "no CloudFormation model"),
    "AWS::CloudWatch::Alarm": (NOT_AT_ALL, "no CloudFormation model"),
    "AWS::Logs::QueryDefinition": (NOT_AT_ALL, "no model"),
    "AWS::S3::BucketPolicy": (NOT_AT_ALL, "no model"),
    "AWS::SNS::TopicPolicy": (NOT_AT_ALL, "no model"),
    "AWS::Lambda::EventInvokeConfig": (NOT_AT_ALL, "no CloudFormation model"),
    "AWS::CDK::Metadata": (NOT_AT_ALL, "no model (CloudFormation itself ignores it)"),
}


# --------------------------------------------------------------------------
# The run: one server, the CLI's commands in order, the readback after each
# --------------------------------------------------------------------------


@dataclass
class Snapshot:
    """What the emulator's APIs answered at one point of the run."""

    stacks: dict[str, dict[str, Any]]
    #: stack name -> logical id -> resource summary
    resources: dict[str, dict[str, dict[str, Any]]]
    #: stack name -> how many resources moto lists with no logical id, type
    #: or physical id (the ones it has no model for)
    nameless: dict[str, int]
    exports: dict[str, str]
    zones: list[str]
    vpcs: dict[str, dict[str, Any]]
    subnets: dict[str, dict[str, Any]]
    route_tables: dict[str, dict[str, Any]]
    internet_gateways: list[dict[str, Any]]
    nat_gateways: dict[str, dict[str, Any]]
    addresses: list[dict[str, Any]]
    endpoints: dict[str, dict[str, Any]]
    flow_logs: dict[str, dict[str, Any]]
    peerings: dict[str, dict[str, Any]]
    network_acls: list[dict[str, Any]]
    security_groups: list[dict[str, Any]]
    vpn_gateways: dict[str, dict[str, Any]]
    log_groups: dict[str, dict[str, Any]]
    #: dashboard name -> body
    dashboards: dict[str, str]


@dataclass
class Step:
    command: list[str]
    returncode: int
    seconds: float
    output: str


@dataclass
class Run:
    server: MotoServer
    out: Path
    steps: dict[str, Step] = field(default_factory=dict)
    snapshots: dict[str, Snapshot] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def templates(self, out: Path | None = None) -> dict[str, dict[str, Any]]:
        folder = out or self.out / "deploy"
        return {s: json.loads((folder / f"{s}.template.json").read_text()) for s in STACKS}


def _cli_env(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "CDK_")) and k.lower() not in ("http_proxy",
                                                                       "https_proxy",
                                                                       "all_proxy")}
    env.update(FAKE_ENV)
    env.update({
        "AWS_ENDPOINT_URL": f"http://localhost:{port}",
        "NO_PROXY": "localhost,127.0.0.1", "no_proxy": "localhost,127.0.0.1",
        # as the Makefile exports them
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "CDK_DISABLE_VERSION_CHECK": "true",
        "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}",
        # the app (cdk.json: .venv/bin/python app.py) imports this checkout's code
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "constructs"), str(ROOT)]
            + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])),
    })
    return env


def _cdk(run: Run, name: str, *args: str) -> Step:
    port = int(run.server.endpoint_url.rsplit(":", 1)[1])
    command = [str(CDK), *args, "--no-notices", "--output", str(run.out / name)]
    start = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=_cli_env(port), capture_output=True,
                          text=True, timeout=CLI_TIMEOUT_SECONDS, check=False)
    step = Step(command, done.returncode, time.monotonic() - start, done.stdout + done.stderr)
    run.steps[name] = step
    return step


def _updated_environments() -> str:
    envs = json.loads((ROOT / "cdk.json").read_text())["context"]["vpc_patterns:environments"]
    assert envs[UPDATED_ENV][UPDATED_KEY] != UPDATED_VALUE
    envs[UPDATED_ENV][UPDATED_KEY] = UPDATED_VALUE
    return json.dumps(envs)


def _snapshot(server: MotoServer) -> Snapshot:
    cf, ec2, logs, cw = (server.client(s) for s in ("cloudformation", "ec2", "logs",
                                                     "cloudwatch"))
    stacks = {s["StackName"]: s for s in cf.describe_stacks()["Stacks"]}
    resources, nameless = {}, {}
    for name in stacks:
        summaries = []
        for page in cf.get_paginator("list_stack_resources").paginate(StackName=name):
            summaries += page["StackResourceSummaries"]
        resources[name] = {r["LogicalResourceId"]: r for r in summaries
                           if r["LogicalResourceId"]}
        unnamed = [r for r in summaries if not r["LogicalResourceId"]]
        assert all(not r["ResourceType"] and not r.get("PhysicalResourceId") for r in unnamed)
        nameless[name] = len(unnamed)
    return Snapshot(
        stacks=stacks,
        resources=resources,
        nameless=nameless,
        exports={e["Name"]: e["Value"] for e in cf.list_exports()["Exports"]},
        zones=[z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]],
        vpcs={v["VpcId"]: v for v in ec2.describe_vpcs()["Vpcs"]},
        subnets={s["SubnetId"]: s for s in ec2.describe_subnets()["Subnets"]},
        route_tables={t["RouteTableId"]: t for t in ec2.describe_route_tables()["RouteTables"]},
        internet_gateways=ec2.describe_internet_gateways()["InternetGateways"],
        nat_gateways={n["NatGatewayId"]: n for n in ec2.describe_nat_gateways()["NatGateways"]},
        addresses=ec2.describe_addresses()["Addresses"],
        endpoints={e["VpcEndpointId"]: e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]},
        flow_logs={f["FlowLogId"]: f for f in ec2.describe_flow_logs()["FlowLogs"]},
        peerings={p["VpcPeeringConnectionId"]: p for p in
                  ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]},
        network_acls=ec2.describe_network_acls()["NetworkAcls"],
        security_groups=ec2.describe_security_groups()["SecurityGroups"],
        vpn_gateways={g["VpnGatewayId"]: g for g in ec2.describe_vpn_gateways()["VpnGateways"]},
        log_groups={g["logGroupName"]: g for g in logs.describe_log_groups()["logGroups"]},
        dashboards={d["DashboardName"]: cw.get_dashboard(DashboardName=d["DashboardName"])[
            "DashboardBody"] for d in cw.list_dashboards()["DashboardEntries"]},
    )


def _wait_for_custom_resources(server: MotoServer, timeout: float = 60) -> None:
    """The custom resources answer from a thread of their own (as on AWS,
    asynchronously): wait until every network stack's default security group
    has been emptied, or the time is up (the tests then say what is left)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snap = _snapshot(server)
        vpcs = [_physical(snap, s, _only(snap, s, "AWS::EC2::VPC")) for s in NETWORK_STACKS]
        groups = [g for g in snap.security_groups
                  if g["GroupName"] == "default" and g["VpcId"] in vpcs]
        if len(groups) == len(vpcs) and not any(
                g["IpPermissions"] or g["IpPermissionsEgress"] for g in groups):
            return
        time.sleep(0.25)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    if not CDK.exists():
        pytest.skip(f"the pinned CDK CLI is not installed ({CDK}; `npm ci` installs it)")
    out = tmp_path_factory.mktemp("cdk-cli")
    start = time.monotonic()
    with moto_server(patches=_moto_patches.for_the_cdk_cli) as server:
        r = Run(server=server, out=out)
        r.seconds["start"] = time.monotonic() - start
        boot = _cdk(r, "bootstrap", "bootstrap", f"aws://{ACCOUNT}/{server.region}")
        r.seconds["bootstrap"] = boot.seconds
        if boot.returncode == 0:
            deploy = _cdk(r, "deploy", "deploy", "--all", "--require-approval", "never")
            r.seconds["deploy"] = deploy.seconds
            t = time.monotonic()
            _wait_for_custom_resources(server)
            r.snapshots["deploy"] = _snapshot(server)
            r.seconds["readback"] = time.monotonic() - t
        if r.steps.get("deploy") and r.steps["deploy"].returncode == 0:
            update = _cdk(r, "update", "deploy", "--all", "--require-approval", "never",
                          "-c", f"vpc_patterns:environments={_updated_environments()}")
            r.seconds["update"] = update.seconds
            r.snapshots["update"] = _snapshot(server)
            destroy = _cdk(r, "destroy", "destroy", "--all", "--force")
            r.seconds["destroy"] = destroy.seconds
            r.snapshots["destroy"] = _snapshot(server)
        r.seconds["total"] = time.monotonic() - start
        # Shown with -s (and in the -rA summary): the timings the README quotes.
        print("e2e timings (s):", {k: round(v, 1) for k, v in r.seconds.items()})
        yield r
    shutil.rmtree(out, ignore_errors=True)


# --------------------------------------------------------------------------
# Reading the templates against the snapshot
# --------------------------------------------------------------------------


def _only(snap: Snapshot, stack: str, rtype: str) -> str:
    (lid,) = [lid for lid, r in snap.resources[stack].items() if r["ResourceType"] == rtype]
    return lid


def _physical(snap: Snapshot, stack: str, logical_id: str) -> str:
    return str(snap.resources[stack][logical_id]["PhysicalResourceId"])


def _resolve(value: Any, snap: Snapshot, stack: str) -> Any:
    """A template value as AWS would resolve it in this deployment: ``Ref``
    to the physical id, ``Fn::ImportValue`` to the export, ``Fn::Select`` of
    ``Fn::GetAZs`` to the region's zone, ``Fn::GetAtt [eip, AllocationId]``."""
    if isinstance(value, dict):
        if "Ref" in value:
            if value["Ref"] == "AWS::Region":
                return "us-east-1"
            return _physical(snap, stack, value["Ref"])
        if "Fn::ImportValue" in value:
            return snap.exports[value["Fn::ImportValue"]]
        if "Fn::Select" in value:
            index, items = value["Fn::Select"]
            if items == {"Fn::GetAZs": ""}:
                return snap.zones[int(index)]
            return _resolve(items, snap, stack)[int(index)]
        if "Fn::Join" in value:
            sep, parts = value["Fn::Join"]
            return sep.join(str(_resolve(p, snap, stack)) for p in parts)
        if "Fn::GetAtt" in value:
            lid, attr = value["Fn::GetAtt"]
            if attr == "AllocationId":
                ip = _physical(snap, stack, lid)
                (alloc,) = [a["AllocationId"] for a in snap.addresses if a["PublicIp"] == ip]
                return alloc
        raise AssertionError(f"cannot resolve {value}")
    if isinstance(value, list):
        return [_resolve(v, snap, stack) for v in value]
    return value


def _of_type(templates: dict[str, dict[str, Any]], rtype: str) -> Iterator[tuple[str, str, dict]]:
    for stack, template in templates.items():
        for lid, res in template["Resources"].items():
            if res["Type"] == rtype:
                yield stack, lid, res.get("Properties", {})


# --------------------------------------------------------------------------
# The deployment
# --------------------------------------------------------------------------


def test_bootstrap_and_deploy_through_the_cli(run: Run) -> None:
    for name in ("bootstrap", "deploy"):
        step = run.steps[name]
        assert step.returncode == 0, f"{' '.join(step.command)}:\n{step.output[-4000:]}"
    snap = run.snapshots["deploy"]
    assert snap.stacks["CDKToolkit"]["StackStatus"] == "CREATE_COMPLETE"
    for stack in STACKS:
        assert snap.stacks[stack]["StackStatus"] == "CREATE_COMPLETE", stack
        assert f"✅  {stack}" in run.steps["deploy"].output


def _realized(template: dict[str, Any]) -> set[str]:
    return {lid for lid, r in template["Resources"].items()
            if FIDELITY.get(r["Type"], ("?",))[0] != NOT_AT_ALL}


def test_every_template_resource_is_in_its_stack(run: Run) -> None:
    """Every resource of a type moto models is in its stack under its
    logical id; every other one is listed by moto with no logical id, type
    or physical id (one entry each)."""
    snap = run.snapshots["deploy"]
    for stack, template in run.templates().items():
        assert set(snap.resources[stack]) == _realized(template), stack
        unmodelled = len(template["Resources"]) - len(_realized(template))
        assert snap.nameless[stack] == unmodelled, stack


def test_fidelity_table_covers_every_type_and_says_what_moto_realizes(run: Run) -> None:
    """Each type of the templates has a row; a type listed as realized has a
    physical resource for every one of its resources, and a type listed as
    not realized has none (moto lists it with no type and no physical id)."""
    snap = run.snapshots["deploy"]
    types = {r["Type"] for t in run.templates().values() for r in t["Resources"].values()}
    assert types <= set(FIDELITY), sorted(types - set(FIDELITY))
    realized: dict[str, set[bool]] = defaultdict(set)
    for stack, template in run.templates().items():
        for lid, res in template["Resources"].items():
            summary = snap.resources[stack].get(lid)
            made = summary is not None and summary["ResourceType"] == res["Type"]
            realized[res["Type"]].add(made)
            if made and res["Type"] == "AWS::EC2::SecurityGroupIngress":
                assert not summary["PhysicalResourceId"], (stack, lid)  # as the table says
            elif made:
                assert summary["PhysicalResourceId"], (stack, lid)
    for rtype, seen in realized.items():
        expected = FIDELITY[rtype][0] != NOT_AT_ALL
        assert seen == {expected}, f"{rtype} is listed as {FIDELITY[rtype][0]!r}"


def test_vpcs_have_the_template_cidrs(run: Run) -> None:
    snap = run.snapshots["deploy"]
    for stack, lid, props in _of_type(run.templates(), "AWS::EC2::VPC"):
        assert snap.vpcs[_physical(snap, stack, lid)]["CidrBlock"] == props["CidrBlock"]


def test_subnets_have_the_template_cidr_az_and_vpc(run: Run) -> None:
    snap = run.snapshots["deploy"]
    seen = 0
    for stack, lid, props in _of_type(run.templates(), "AWS::EC2::Subnet"):
        subnet = snap.subnets[_physical(snap, stack, lid)]
        assert subnet["CidrBlock"] == props["CidrBlock"], lid
        assert subnet["AvailabilityZone"] == _resolve(props["AvailabilityZone"], snap, stack)
        assert subnet["VpcId"] == _resolve(props["VpcId"], snap, stack)
        seen += 1
    assert seen == 6 + 9 + 6


def test_routes_are_in_their_tables_with_their_targets(run: Run) -> None:
    snap = run.snapshots["deploy"]
    targets = ("GatewayId", "NatGatewayId", "VpcPeeringConnectionId", "NetworkInterfaceId",
               "InstanceId", "TransitGatewayId")
    for stack, lid, props in _of_type(run.templates(), "AWS::EC2::RouteTable"):
        assert snap.route_tables[_physical(snap, stack, lid)]["VpcId"] == _resolve(
            props["VpcId"], snap, stack)
    count = 0
    for stack, lid, props in _of_type(run.templates(), "AWS::EC2::Route"):
        table = snap.route_tables[_resolve(props["RouteTableId"], snap, stack)]
        want = {k: _resolve(props[k], snap, stack) for k in targets if k in props}
        assert len(want) == 1, (lid, props)
        found = [r for r in table["Routes"]
                 if r.get("DestinationCidrBlock") == props["DestinationCidrBlock"]]
        assert len(found) == 1, (stack, lid, table["Routes"])
        (key, value), = want.items()
        assert found[0].get(key) == value, (stack, lid, found[0])
        count += 1
    assert count == 3 + 4 + 3 + 9


def test_subnet_route_table_associations_are_recorded_but_not_applied(run: Run) -> None:
    """Approximate: moto records the association in the stack only; EC2
    reports no subnet associated with any table. Should it ever, they must
    be the template's."""
    snap = run.snapshots["deploy"]
    applied = {a["SubnetId"]: a["RouteTableId"] for t in snap.route_tables.values()
               for a in t["Associations"] if a.get("SubnetId")}
    for stack, lid, props in _of_type(run.templates(), "AWS::EC2::SubnetRouteTableAssociation"):
        subnet = _resolve(props["SubnetId"], snap, stack)
        table = _resolve(props["RouteTableId"], snap, stack)
        assert _physical(snap, stack, lid) == table  # moto's physical id is the table's
        if applied:
            assert applied[subnet] == table
    assert not applied, "moto now applies subnet associations: mark them faithful"


def test_nat_gateways_sit_where_the_templates_put_them(run: Run) -> None:
    snap = run.snapshots["deploy"]
    zonal = regional = 0
    for stack, lid, props in _of_type(run.templates(), "AWS::EC2::NatGateway"):
        nat = snap.nat_gateways[_physical(snap, stack, lid)]
        assert nat["State"] == "available"
        if props.get("AvailabilityMode") == "regional":
            regional += 1
            assert nat["VpcId"] == _resolve(props["VpcId"], snap, stack)
            assert not nat.get("SubnetId")
        else:
            zonal += 1
            assert nat["SubnetId"] == _resolve(props["SubnetId"], snap, stack)
            (address,) = nat["NatGatewayAddresses"]
            assert address["AllocationId"] == _resolve(props["AllocationId"], snap, stack)
    assert (zonal, regional) == (3, 1)


def test_elastic_ips_are_allocated_and_only_nat_gateways_hold_theirs(run: Run) -> None:
    snap = run.snapshots["deploy"]
    by_ip = {a["PublicIp"]: a for a in snap.addresses}
    held = {a["PublicIp"] for n in snap.nat_gateways.values() for a in n["NatGatewayAddresses"]}
    for stack, lid, _props in _of_type(run.templates(), "AWS::EC2::EIP"):
        ip = _physical(snap, stack, lid)
        assert ip in by_ip, (stack, lid)
        if stack == "vpc-patterns-dev":  # NAT instances: EIPAssociation is not modelled
            assert ip not in held and not by_ip[ip].get("NetworkInterfaceId"), by_ip[ip]
        else:
            assert ip in held, (stack, lid)


def test_network_acls_are_not_realized(run: Run) -> None:
    """Not at all: moto's CloudFormation has no NetworkAcl model, so each
    VPC has only its default ACL (allow all), whatever the templates say."""
    snap = run.snapshots["deploy"]
    for stack in NETWORK_STACKS:
        vpc = _physical(snap, stack, _only(snap, stack, "AWS::EC2::VPC"))
        acls = [a for a in snap.network_acls if a["VpcId"] == vpc]
        assert [a["IsDefault"] for a in acls] == [True], stack
        declared = sum(1 for _ in _of_type({stack: run.templates()[stack]},
                                           "AWS::EC2::NetworkAclEntry"))
        assert declared > 0


def test_endpoints_flow_logs_and_peerings(run: Run) -> None:
    snap = run.snapshots["deploy"]
    for stack, lid, props in _of_type(run.templates(), "AWS::EC2::VPCEndpoint"):
        ep = snap.endpoints[_physical(snap, stack, lid)]
        assert ep["ServiceName"] == _resolve(props["ServiceName"], snap, stack)
        assert ep["VpcId"] == _resolve(props["VpcId"], snap, stack)
        assert ep["VpcEndpointType"] == props.get("VpcEndpointType", "Gateway")
        if "RouteTableIds" in props:
            assert set(ep["RouteTableIds"]) == set(_resolve(props["RouteTableIds"], snap, stack))
        if "SubnetIds" in props:
            assert set(ep["SubnetIds"]) == set(_resolve(props["SubnetIds"], snap, stack))
    for stack, lid, props in _of_type(run.templates(), "AWS::EC2::FlowLog"):
        fl = snap.flow_logs[_physical(snap, stack, lid)]
        assert fl["ResourceId"] == _resolve(props["ResourceId"], snap, stack)
        assert fl["TrafficType"] == props["TrafficType"]
        assert fl["LogDestinationType"] == props["LogDestinationType"]
    hub = snap.exports["vpc-patterns-shared:ExportsOutputRefNetwork1C6012B577398E2D"]
    spokes = set()
    for stack, lid, props in _of_type(run.templates(), "AWS::EC2::VPCPeeringConnection"):
        pcx = snap.peerings[_physical(snap, stack, lid)]
        assert pcx["RequesterVpcInfo"]["VpcId"] == _resolve(props["VpcId"], snap, stack) == hub
        spokes.add(pcx["AccepterVpcInfo"]["VpcId"])
    assert spokes == {_physical(snap, s, _only(snap, s, "AWS::EC2::VPC"))
                      for s in ("vpc-patterns-dev", "vpc-patterns-prod")}


def test_gateways_are_attached(run: Run) -> None:
    snap = run.snapshots["deploy"]
    for stack in NETWORK_STACKS:
        vpc = _physical(snap, stack, _only(snap, stack, "AWS::EC2::VPC"))
        igw = _physical(snap, stack, _only(snap, stack, "AWS::EC2::InternetGateway"))
        (gw,) = [g for g in snap.internet_gateways if g["InternetGatewayId"] == igw]
        assert gw["Attachments"] == [{"State": "available", "VpcId": vpc}]
    (vgw,) = snap.vpn_gateways.values()
    assert {"VpcId": _physical(snap, "vpc-patterns-prod",
                               _only(snap, "vpc-patterns-prod", "AWS::EC2::VPC")),
            "State": "attached"} in vgw["VpcAttachments"]


def test_the_custom_resource_handler_emptied_the_default_security_groups(run: Run) -> None:
    """Custom::VpcRestrictDefaultSG's inline handler ran against the emulator
    (patch lambda_runs_only_in_docker): the default security group of each
    network VPC has neither ingress nor egress rules left, while the
    untouched default VPC's group keeps its allow-all egress."""
    snap = run.snapshots["deploy"]
    ours = {_physical(snap, s, _only(snap, s, "AWS::EC2::VPC")) for s in NETWORK_STACKS}
    defaults = {g["VpcId"]: g for g in snap.security_groups if g["GroupName"] == "default"}
    for vpc in ours:
        assert defaults[vpc]["IpPermissions"] == [], vpc
        assert defaults[vpc]["IpPermissionsEgress"] == [], vpc
    others = [g for v, g in defaults.items() if v not in ours]
    assert others and all(g["IpPermissionsEgress"] for g in others)


def test_the_dashboard_names_placeholders_for_the_alarms(run: Run) -> None:
    """Approximate: the prod dashboard exists, and where its body names an
    alarm's ARN it holds the placeholder of patch
    get_att_of_unmodelled_type_undefined (moto has no alarms to name)."""
    snap = run.snapshots["deploy"]
    (stack, lid, _props), = _of_type(run.templates(), "AWS::CloudWatch::Dashboard")
    body = snap.dashboards[_physical(snap, stack, lid)]
    assert "moto-unmodelled:AWS::CloudWatch::Alarm:" in body
    assert "arn:aws:cloudwatch" not in body


def test_log_group_retentions(run: Run) -> None:
    snap = run.snapshots["deploy"]
    for stack, lid, props in _of_type(run.templates(), "AWS::Logs::LogGroup"):
        group = snap.log_groups[_physical(snap, stack, lid)]
        assert group.get("retentionInDays") == props.get("RetentionInDays"), (stack, lid)


def test_the_readme_fidelity_table_is_this_one() -> None:
    """The README's emulator table says what FIDELITY says, row by row."""
    readme = (ROOT / "README.md").read_text()
    rows = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if (len(cells) == 3 and cells[0].startswith(("`AWS::", "`Custom::"))
                and cells[1] in (FAITHFUL, APPROXIMATE, NOT_AT_ALL)):
            rows[cells[0].strip("`")] = (cells[1], cells[2])
    assert rows == FIDELITY


# --------------------------------------------------------------------------
# The update and the destroy
# --------------------------------------------------------------------------


def test_update_changes_only_the_dev_flow_log_retention(run: Run) -> None:
    step = run.steps["update"]
    assert step.returncode == 0, step.output[-4000:]
    before, after = run.templates(), run.templates(run.out / "update")
    changed = {(s, lid) for s in STACKS
               for lid in set(before[s]["Resources"]) | set(after[s]["Resources"])
               if before[s]["Resources"].get(lid) != after[s]["Resources"].get(lid)}
    (stack, lid), = changed
    assert stack == "vpc-patterns-dev" and lid.startswith("FlowLogsLogGroup")
    for other in ("vpc-patterns-prod", "vpc-patterns-shared", "vpc-patterns-peering"):
        assert f"✅  {other} (no changes)" in step.output
    snap = run.snapshots["update"]
    assert snap.stacks["vpc-patterns-dev"]["StackStatus"] == "UPDATE_COMPLETE"
    # Updated in place: the same group, with the new retention, still in its stack.
    deployed = run.snapshots["deploy"]
    assert _physical(snap, stack, lid) == _physical(deployed, stack, lid)
    assert snap.log_groups[_physical(snap, stack, lid)]["retentionInDays"] == UPDATED_VALUE
    assert set(snap.resources[stack]) == _realized(after[stack])


@pytest.mark.xfail(strict=True, reason=(
    "moto 5.2 cannot delete a network stack: its CloudFormation has no delete for "
    "AWS::EC2::RouteTable, Route, SubnetRouteTableAssociation, NatGateway, EIP, "
    "VPCEndpoint, FlowLog and more (ResourceMap.delete skips them), so "
    "EC2Backend.delete_vpc refuses with DependencyViolation ('has dependencies and cannot be "
    "deleted'), and AWS::IAM::ManagedPolicy has no delete, so IAMBackend.delete_role refuses "
    "with DeleteConflict ('must detach all policies first'); which comes first depends on set "
    "order. See test_destroy_leaves_exactly for what is left."))
def test_destroy_removes_everything(run: Run) -> None:
    assert run.steps["destroy"].returncode == 0, run.steps["destroy"].output[-2000:]
    assert set(run.snapshots["destroy"].stacks) == {"CDKToolkit"}


def test_destroy_leaves_exactly(run: Run) -> None:
    """``cdk destroy --all`` removes the peering stack (its routes and
    peering connections have deletes in moto), then fails on the first
    network stack it deletes (dev: it depends on nothing left): moto drops
    the stack from its list before deleting its resources, deletes what it
    can, and then its VPC (DependencyViolation) or the handler's role
    (DeleteConflict, policy still attached) refuses to go. The CLI stops
    there: prod and shared are untouched."""
    step, snap = run.steps["destroy"], run.snapshots["destroy"]
    before = run.snapshots["update"]
    assert step.returncode != 0
    assert "✅  vpc-patterns-peering: destroyed" in step.output
    # Which of moto's two refusals comes first depends on set order: the
    # VPC (route tables etc. are never deleted) or the handler's role (its
    # AWS::IAM::ManagedPolicy has no delete, so it stays attached).
    assert ("has dependencies and cannot be deleted" in step.output
            or "must detach all policies first" in step.output), step.output[-2000:]
    assert set(snap.stacks) == {"CDKToolkit", "vpc-patterns-prod", "vpc-patterns-shared"}
    for stack in ("vpc-patterns-prod", "vpc-patterns-shared"):
        assert snap.stacks[stack]["StackStatus"] == "CREATE_COMPLETE"
    # dev's VPC, subnets and route tables outlive its stack.
    dev = "vpc-patterns-dev"
    dev_vpc = _physical(before, dev, _only(before, dev, "AWS::EC2::VPC"))
    assert dev_vpc in snap.vpcs
    dev_tables = [_physical(before, dev, lid) for lid, r in before.resources[dev].items()
                  if r["ResourceType"] == "AWS::EC2::RouteTable"]
    assert dev_tables and all(t in snap.route_tables for t in dev_tables)
