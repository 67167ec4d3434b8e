"""The inline custom-resource handlers, run as CloudFormation runs them.

Each handler source (``vpc_patterns/build/handlers/*.py``, deployed as the
function's ZipFile) is imported from its file as a module and called with a
CloudFormation request event and a Lambda context. The AWS API is botocore's
``Stubber`` on a real client (the requests are checked against the API model;
no network); the response URL is a local HTTP server on 127.0.0.1 that
records every PUT, and can fail the first ones. Time is virtual: the
handlers' ``time.sleep`` advances a clock the context reads its remaining
time from, and an API call may be given a latency, so a test of minutes runs
in milliseconds.

What CloudFormation must get, in every case, is exactly one answer before
the function's timeout: the Status, Reason and PhysicalResourceId asserted
here are those of that answer. A handler that raises before answering, or
answers after the deadline (Lambda has killed it by then), leaves
CloudFormation waiting until the resource's ServiceTimeout.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore import exceptions as bx
from botocore.stub import Stubber

from vpc_patterns.build.default_sg import HANDLER_SOURCE as DEFAULT_SG_SOURCE
from vpc_patterns.build.default_sg import HANDLER_TIMEOUT_SECONDS, INLINE_CODE_LIMIT
from vpc_patterns.build.direct_connect import HANDLER_SOURCE as DX_SOURCE
from vpc_patterns.build.direct_connect import HANDLER_TIMEOUT_SECONDS as DX_TIMEOUT_SECONDS
from vpc_patterns.build.peering import HANDLER_SOURCE as PEERING_SOURCE

SG = "sg-0123456789abcdef0"
SG2 = "sg-0fedcba9876543210"
PCX = "pcx-0123456789abcdef0"
DXGW = "5f294f92-bafb-4011-916d-9b0b0a1b2c3d"
DXGW2 = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
VGW = "vgw-0123456789abcdef0"
ASSOC = "c2b3f1a4-0d5e-4f6a-9b7c-8d9e0f1a2b3c"
ASSOC2 = "d3c4f2b5-1e6f-4a7b-8c8d-9e0f1a2b3c4e"
STACK_ID = "arn:aws:cloudformation:us-east-1:111122223333:stack/s/1"
#: What CloudFormation adds to every request's ResourceProperties.
CFN_PROPS = {"ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:f",
             "ServiceTimeout": "180"}


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and a region, and an endpoint nothing listens on: a
    client the test forgot to stub fails here instead of calling AWS."""
    for var, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", "us-east-1"),
                       ("AWS_ENDPOINT_URL", "http://127.0.0.1:9")):
        monkeypatch.setenv(var, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def load(source: Path) -> ModuleType:
    """A fresh module from the handler file (its own client cache)."""
    spec = importlib.util.spec_from_file_location(f"handler_{source.stem}_under_test", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------
# Virtual time, the Lambda context, the response URL
# --------------------------------------------------------------------------


class Clock:
    def __init__(self, timeout_s: float) -> None:
        self.now = 0.0
        self.timeout = timeout_s
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class Context:
    """What Lambda passes as ``context``: remaining time from the clock."""

    log_stream_name = "2026/12/06/[$LATEST]0123456789abcdef"

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def get_remaining_time_in_millis(self) -> int:
        return int((self.clock.timeout - self.clock.now) * 1000)


@dataclass
class Put:
    body: dict
    content_type: str | None
    at: float  # virtual time of arrival


class ResponseServer:
    """The pre-signed S3 URL CloudFormation waits on: records each PUT and
    answers it with the next status of ``statuses`` (then 200)."""

    def __init__(self) -> None:
        self.puts: list[Put] = []
        self.statuses: list[int] = []
        self.clock: Clock | None = None
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                assert owner.clock is not None
                owner.puts.append(Put(json.loads(body), self.headers.get("Content-Type"),
                                      owner.clock.now))
                status = owner.statuses.pop(0) if owner.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/cfn-response?sig=x"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[ResponseServer]:
    s = ResponseServer()
    yield s
    s.close()


@dataclass
class Run:
    """One handler module wired to stubbed clients, the clock and the server."""

    module: ModuleType
    server: ResponseServer
    clock: Clock
    stubs: dict[str, Stubber] = field(default_factory=dict)

    def event(self, kind: str, props: dict | None, *, old: dict | None = None,
              physical: str | None = None) -> dict:
        e: dict[str, Any] = {
            "RequestType": kind, "ResponseURL": self.server.url, "StackId": STACK_ID,
            "RequestId": "req-1", "LogicalResourceId": "Resource", "ResourceType": "Custom::X"}
        if props is not None:
            e["ResourceProperties"] = {**CFN_PROPS, **props}
        if old is not None:
            e["OldResourceProperties"] = {**CFN_PROPS, **old}
        if physical is not None:
            e["PhysicalResourceId"] = physical
        return e

    def __call__(self, event: dict, *, check_stubs: bool = True) -> dict:
        """Run the handler; exactly one answer, delivered before the deadline."""
        self.server.puts.clear()
        self.server.clock = self.clock
        self.module.handler(event, Context(self.clock))
        if check_stubs:
            for stub in self.stubs.values():
                stub.assert_no_pending_responses()
        assert len(self.server.puts) == 1, self.server.puts
        put = self.server.puts[0]
        assert put.at < self.clock.timeout, f"answered at {put.at} s, after the timeout"
        assert put.content_type == "", "a pre-signed S3 PUT must not send a content type"
        body = put.body
        assert {k: body[k] for k in ("StackId", "RequestId", "LogicalResourceId")} == {
            "StackId": STACK_ID, "RequestId": "req-1", "LogicalResourceId": "Resource"}
        assert body["Status"] in ("SUCCESS", "FAILED") and body["PhysicalResourceId"]
        assert len(json.dumps(body)) < 4096  # CloudFormation's limit for a response
        return body

    def latency(self, seconds: float, name: str | None = None) -> None:
        """Every API call (of client ``name``, or all) takes ``seconds``."""
        def advance(**_: Any) -> None:
            self.clock.now += seconds
        for key, stub in self.stubs.items():
            if name in (None, key):
                stub.client.meta.events.register_first("before-call.*.*", advance)


def _client(service: str, region: str = "us-east-1") -> Any:
    return boto3.client(service, region_name=region, aws_access_key_id="testing",
                        aws_secret_access_key="testing",
                        endpoint_url=f"https://{service}.{region}.amazonaws.com")


def _deterministic(module: ModuleType, clock: Clock, monkeypatch: pytest.MonkeyPatch,
                   server: ResponseServer) -> None:
    server.puts.clear()
    server.statuses.clear()
    server.clock = clock
    monkeypatch.setattr(module, "time", SimpleNamespace(sleep=clock.sleep))
    if hasattr(module, "random"):  # the longest pause of each jittered backoff
        monkeypatch.setattr(module, "random", SimpleNamespace(uniform=lambda a, b: b))


@pytest.fixture
def sg(server: ResponseServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    module = load(DEFAULT_SG_SOURCE)
    clock = Clock(HANDLER_TIMEOUT_SECONDS)
    _deterministic(module, clock, monkeypatch, server)
    client = _client("ec2")
    module.CLIENTS["ec2"] = client
    with Stubber(client) as stub:
        yield Run(module, server, clock, {"ec2": stub})


@pytest.fixture
def pcx(server: ResponseServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    module = load(PEERING_SOURCE)
    clock = Clock(HANDLER_TIMEOUT_SECONDS)
    _deterministic(module, clock, monkeypatch, server)
    stubs = {}
    for region in ("us-east-1", "eu-central-1"):
        client = _client("ec2", region)
        module.CLIENTS[region] = client
        stubs[region] = Stubber(client)
        stubs[region].activate()
    yield Run(module, server, clock, stubs)
    for s in stubs.values():
        s.deactivate()


@pytest.fixture
def dx(server: ResponseServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    module = load(DX_SOURCE)
    clock = Clock(DX_TIMEOUT_SECONDS)
    _deterministic(module, clock, monkeypatch, server)
    client = _client("directconnect")
    module.DX[:] = [client]
    with Stubber(client) as stub:
        yield Run(module, server, clock, {"dx": stub})


def _error(stub: Stubber, method: str, code: str, message: str = "", status: int = 400,
           times: int = 1, params: dict | None = None) -> None:
    for _ in range(times):
        stub.add_client_error(method, code, message or code, status, expected_params=params)


# --------------------------------------------------------------------------
# Every handler: sizes, properties read inside the try, the answer delivered
# --------------------------------------------------------------------------

SOURCES = {"default_sg": DEFAULT_SG_SOURCE, "peering_dns": PEERING_SOURCE,
           "direct_connect": DX_SOURCE}


@pytest.mark.parametrize("name", list(SOURCES))
def test_handler_source_fits_inline_and_uses_only_stdlib_and_boto3(name: str) -> None:
    import ast
    import sys

    text = SOURCES[name].read_text()
    assert len(text) <= INLINE_CODE_LIMIT
    roots = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    assert roots - set(sys.stdlib_module_names) <= {"boto3", "botocore"}, roots


@pytest.fixture(params=list(SOURCES))
def any_handler(request: pytest.FixtureRequest) -> Run:
    return request.getfixturevalue({"default_sg": "sg", "peering_dns": "pcx",
                                    "direct_connect": "dx"}[request.param])


@pytest.mark.parametrize("props", [None, {}, {"DefaultSecurityGroupId": 5,
                                              "PeeringConnectionId": ["x"],
                                              "DirectConnectGatewayId": None}])
def test_a_create_without_its_properties_is_answered_failed(any_handler: Run,
                                                            props: dict | None) -> None:
    """Properties are read inside the try: FAILED, naming what is missing, with a
    physical id that tells the rollback's Delete there is nothing to undo."""
    r = any_handler(any_handler.event("Create", props))
    assert r["Status"] == "FAILED"
    assert r["PhysicalResourceId"] == "none-req-1"
    assert any(k in r["Reason"] for k in ("DefaultSecurityGroupId", "PeeringConnectionId",
                                          "DirectConnectGatewayId")), r["Reason"]
    assert "log stream 2026/12/06/[$LATEST]" in r["Reason"]
    # ... and that Delete succeeds without calling anything.
    r = any_handler(any_handler.event("Delete", props, physical=r["PhysicalResourceId"]))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", "none-req-1")


def test_an_update_without_its_properties_keeps_the_physical_id(any_handler: Run) -> None:
    r = any_handler(any_handler.event("Update", {}, old={}, physical="keep-me"))
    assert (r["Status"], r["PhysicalResourceId"]) == ("FAILED", "keep-me")


def test_a_failed_put_is_retried_until_it_is_delivered(any_handler: Run) -> None:
    """S3 answering 500 and 503 to the first two PUTs: the third delivers it."""
    any_handler.server.statuses[:] = [500, 503]
    any_handler.module.handler(any_handler.event("Create", {}), Context(any_handler.clock))
    puts = any_handler.server.puts
    assert [p.body["Status"] for p in puts] == ["FAILED"] * 3
    assert len({json.dumps(p.body) for p in puts}) == 1  # the same answer each time
    assert any_handler.clock.sleeps == [1, 2]  # backoff between attempts


def test_a_put_that_never_gets_through_is_bounded(any_handler: Run) -> None:
    any_handler.server.statuses[:] = [500] * 10
    with pytest.raises(Exception, match="500"):
        any_handler.module.handler(any_handler.event("Create", {}), Context(any_handler.clock))
    assert len(any_handler.server.puts) == 6
    assert any_handler.server.puts[-1].at < any_handler.clock.timeout


def test_a_put_refused_for_good_is_not_retried(any_handler: Run) -> None:
    """403 (an expired or altered pre-signed URL) will not get better."""
    any_handler.server.statuses[:] = [403]
    with pytest.raises(Exception, match="403"):
        any_handler.module.handler(any_handler.event("Create", {}), Context(any_handler.clock))
    assert len(any_handler.server.puts) == 1


def test_an_unreachable_response_url_is_retried_then_given_up(any_handler: Run) -> None:
    event = any_handler.event("Create", {})
    event["ResponseURL"] = "http://127.0.0.1:9/closed"
    with pytest.raises(Exception, match=r"Connection refused|urlopen error"):
        any_handler.module.handler(event, Context(any_handler.clock))
    assert any_handler.clock.sleeps == [1, 2, 4, 8, 16]


# --------------------------------------------------------------------------
# Default security group
# --------------------------------------------------------------------------

INGRESS = [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": SG}]}]
EGRESS = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def _sg_ok(stub: Stubber, method: str, rules: list, group: str = SG) -> None:
    stub.add_response(method, {"Return": True}, {"GroupId": group, "IpPermissions": rules})


def test_sg_create_revokes_both_default_rules(sg: Run) -> None:
    stub = sg.stubs["ec2"]
    _sg_ok(stub, "revoke_security_group_ingress", INGRESS)
    _sg_ok(stub, "revoke_security_group_egress", EGRESS)
    r = sg(sg.event("Create", {"DefaultSecurityGroupId": SG}))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", SG)


def test_sg_create_with_rules_already_revoked_succeeds(sg: Run) -> None:
    stub = sg.stubs["ec2"]
    _error(stub, "revoke_security_group_ingress", "InvalidPermission.NotFound")
    _error(stub, "revoke_security_group_egress", "InvalidPermission.NotFound")
    r = sg(sg.event("Create", {"DefaultSecurityGroupId": SG}))
    assert r["Status"] == "SUCCESS"


@pytest.mark.parametrize("kind", ["Create", "Update"])
def test_sg_create_or_update_of_a_missing_group_fails(sg: Run, kind: str) -> None:
    """The group the network depends on does not exist: nothing was restricted."""
    _error(sg.stubs["ec2"], "revoke_security_group_ingress", "InvalidGroup.NotFound",
           f"The security group '{SG}' does not exist")
    r = sg(sg.event(kind, {"DefaultSecurityGroupId": SG}, old={"DefaultSecurityGroupId": SG},
                    physical=SG if kind == "Update" else None))
    assert r["Status"] == "FAILED" and "does not exist" in r["Reason"]
    # A failed Create names the group, so that the rollback's Delete restores it.
    assert r["PhysicalResourceId"] == SG


def test_sg_delete_restores_both_rules(sg: Run) -> None:
    stub = sg.stubs["ec2"]
    _sg_ok(stub, "authorize_security_group_ingress", INGRESS)
    _error(stub, "authorize_security_group_egress", "InvalidPermission.Duplicate")  # still there
    r = sg(sg.event("Delete", {"DefaultSecurityGroupId": SG}, physical=SG))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", SG)


def test_sg_delete_of_a_group_already_gone_succeeds(sg: Run) -> None:
    stub = sg.stubs["ec2"]
    _error(stub, "authorize_security_group_ingress", "InvalidGroup.NotFound")
    _error(stub, "authorize_security_group_egress", "InvalidGroup.NotFound")
    r = sg(sg.event("Delete", {"DefaultSecurityGroupId": SG}, physical=SG))
    assert r["Status"] == "SUCCESS"


def test_sg_delete_failing_for_another_reason_fails(sg: Run) -> None:
    _error(sg.stubs["ec2"], "authorize_security_group_ingress", "UnauthorizedOperation",
           "You are not authorized to perform this operation.")
    r = sg(sg.event("Delete", {"DefaultSecurityGroupId": SG}, physical=SG))
    assert r["Status"] == "FAILED" and "not authorized" in r["Reason"]


def test_sg_update_to_a_new_group_replaces_the_resource(sg: Run) -> None:
    """A new physical id: CloudFormation then deletes the old one (restoring
    the old group, which goes with its VPC)."""
    stub = sg.stubs["ec2"]
    _sg_ok(stub, "revoke_security_group_ingress",
           [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": SG2}]}], SG2)
    _sg_ok(stub, "revoke_security_group_egress", EGRESS, SG2)
    r = sg(sg.event("Update", {"DefaultSecurityGroupId": SG2},
                    old={"DefaultSecurityGroupId": SG}, physical=SG))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", SG2)


def test_sg_update_that_only_adds_service_timeout_reapplies_harmlessly(sg: Run) -> None:
    """Adding ServiceTimeout to a deployed resource changes its properties, so
    CloudFormation sends an Update: revoking again is idempotent."""
    stub = sg.stubs["ec2"]
    _error(stub, "revoke_security_group_ingress", "InvalidPermission.NotFound")
    _error(stub, "revoke_security_group_egress", "InvalidPermission.NotFound")
    event = sg.event("Update", {"DefaultSecurityGroupId": SG}, physical=SG)
    event["OldResourceProperties"] = {"ServiceToken": CFN_PROPS["ServiceToken"],
                                      "DefaultSecurityGroupId": SG}
    r = sg(event)
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", SG)


@pytest.mark.parametrize("code,status", [("RequestLimitExceeded", 503), ("Throttling", 400),
                                         ("InternalError", 500)])
def test_sg_throttling_is_retried_with_backoff(sg: Run, code: str, status: int) -> None:
    stub = sg.stubs["ec2"]
    _error(stub, "revoke_security_group_ingress", code, status=status, times=3)
    _sg_ok(stub, "revoke_security_group_ingress", INGRESS)
    _sg_ok(stub, "revoke_security_group_egress", EGRESS)
    r = sg(sg.event("Create", {"DefaultSecurityGroupId": SG}))
    assert r["Status"] == "SUCCESS"
    assert sg.clock.sleeps == [1, 2, 4]


def test_sg_throttling_that_never_ends_fails_before_the_deadline(sg: Run) -> None:
    """Each attempt takes 10 s (the read timeout): the handler stops while
    there is still time to answer."""
    _error(sg.stubs["ec2"], "revoke_security_group_ingress", "RequestLimitExceeded",
           status=503, times=30)
    sg.latency(10)
    r = sg(sg.event("Create", {"DefaultSecurityGroupId": SG}), check_stubs=False)
    assert r["Status"] == "FAILED" and "RequestLimitExceeded" in r["Reason"]
    assert "no time left" in r["Reason"]
    assert sg.server.puts[0].at <= sg.clock.timeout - 20


def test_sg_a_read_timeout_is_retried(sg: Run) -> None:
    stub = sg.stubs["ec2"]
    calls = []

    def timeout_once(**_: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise bx.ReadTimeoutError(endpoint_url="https://ec2.us-east-1.amazonaws.com")

    stub.client.meta.events.register_first("before-call.*.*", timeout_once)
    _sg_ok(stub, "revoke_security_group_ingress", INGRESS)
    _sg_ok(stub, "revoke_security_group_egress", EGRESS)
    assert sg(sg.event("Create", {"DefaultSecurityGroupId": SG}))["Status"] == "SUCCESS"
    assert len(calls) == 3


def test_sg_handler_against_moto(server: ResponseServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The calls against moto's EC2 (the real API model, in process): Create
    empties a new VPC's default group, Delete restores it, a missing group fails."""
    from moto import mock_aws

    monkeypatch.delenv("AWS_ENDPOINT_URL")
    module = load(DEFAULT_SG_SOURCE)
    clock = Clock(HANDLER_TIMEOUT_SECONDS)
    run = Run(module, server, clock)
    with mock_aws():
        ec2c = boto3.client("ec2", region_name="us-east-1")
        vpc = ec2c.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        [group] = ec2c.describe_security_groups(Filters=[
            {"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}],
        )["SecurityGroups"]
        gid = group["GroupId"]
        if not group["IpPermissions"]:  # moto 5.2.5 leaves out the rule AWS puts there
            ec2c.authorize_security_group_ingress(
                GroupId=gid, IpPermissions=[{"IpProtocol": "-1",
                                             "UserIdGroupPairs": [{"GroupId": gid}]}])
        assert group["IpPermissionsEgress"]

        def rules() -> tuple[list, list]:
            [g] = ec2c.describe_security_groups(GroupIds=[gid])["SecurityGroups"]
            return g["IpPermissions"], g["IpPermissionsEgress"]

        assert run(run.event("Create", {"DefaultSecurityGroupId": gid}))["Status"] == "SUCCESS"
        assert rules() == ([], [])
        r = run(run.event("Delete", {"DefaultSecurityGroupId": gid}, physical=gid))
        assert r["Status"] == "SUCCESS"
        ingress, egress = rules()
        assert [p["UserIdGroupPairs"][0]["GroupId"] for p in ingress] == [gid]
        assert [p["IpRanges"][0]["CidrIp"] for p in egress] == ["0.0.0.0/0"]
        missing = "sg-0000000000000000a"
        r = run(run.event("Create", {"DefaultSecurityGroupId": missing}))
        assert r["Status"] == "FAILED" and r["PhysicalResourceId"] == missing
        r = run(run.event("Delete", {"DefaultSecurityGroupId": missing}, physical=missing))
        assert r["Status"] == "SUCCESS"


# --------------------------------------------------------------------------
# DNS across a peering
# --------------------------------------------------------------------------

BOTH = [{"Side": "Requester", "Region": "us-east-1"},
        {"Side": "Accepter", "Region": "eu-central-1"}]


def _pcx_ok(run: Run, region: str, side: str, enabled: bool, times: int = 1) -> None:
    for _ in range(times):
        run.stubs[region].add_response(
            "modify_vpc_peering_connection_options", {},
            {"VpcPeeringConnectionId": PCX,
             f"{side}PeeringConnectionOptions": {"AllowDnsResolutionFromRemoteVpc": enabled}})


def test_dns_turns_each_side_on_in_its_own_region(pcx: Run) -> None:
    _pcx_ok(pcx, "us-east-1", "Requester", True)
    _pcx_ok(pcx, "eu-central-1", "Accepter", True)
    r = pcx(pcx.event("Create", {"PeeringConnectionId": PCX, "Sides": BOTH}))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", f"{PCX}-dns")


def test_dns_waits_for_a_peering_still_provisioning(pcx: Run) -> None:
    """Right after creation the peering may be unknown or not yet active."""
    stub = pcx.stubs["us-east-1"]
    _error(stub, "modify_vpc_peering_connection_options", "InvalidVpcPeeringConnectionID.NotFound")
    _error(stub, "modify_vpc_peering_connection_options", "OperationNotPermitted",
           "The peering connection is not active")
    _pcx_ok(pcx, "us-east-1", "Requester", True)
    r = pcx(pcx.event("Create", {"PeeringConnectionId": PCX, "Sides": BOTH[:1]}))
    assert r["Status"] == "SUCCESS" and pcx.clock.sleeps == [1, 2]


def test_dns_throttling_is_retried(pcx: Run) -> None:
    _error(pcx.stubs["eu-central-1"], "modify_vpc_peering_connection_options",
           "RequestLimitExceeded", status=503, times=2)
    _pcx_ok(pcx, "us-east-1", "Requester", True)
    _pcx_ok(pcx, "eu-central-1", "Accepter", True)
    r = pcx(pcx.event("Update", {"PeeringConnectionId": PCX, "Sides": BOTH},
                      old={"PeeringConnectionId": PCX, "Sides": BOTH}, physical=f"{PCX}-dns"))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", f"{PCX}-dns")


def test_dns_a_permanent_error_fails_at_once(pcx: Run) -> None:
    _error(pcx.stubs["us-east-1"], "modify_vpc_peering_connection_options",
           "UnauthorizedOperation", "You are not authorized to perform this operation.")
    r = pcx(pcx.event("Create", {"PeeringConnectionId": PCX, "Sides": BOTH}))
    assert r["Status"] == "FAILED" and "not authorized" in r["Reason"]
    assert pcx.clock.sleeps == []


def test_dns_retries_end_before_the_lambda_timeout(pcx: Run) -> None:
    """The peering never becomes active, and each call takes 10 s: nine
    attempts 10 s apart (the old schedule) would run 170 s against a 120 s
    timeout. The handler answers FAILED in time instead."""
    _error(pcx.stubs["us-east-1"], "modify_vpc_peering_connection_options",
           "InvalidStateTransition", times=20)
    pcx.latency(10)
    r = pcx(pcx.event("Create", {"PeeringConnectionId": PCX, "Sides": BOTH}), check_stubs=False)
    assert r["Status"] == "FAILED" and "InvalidStateTransition" in r["Reason"]
    assert pcx.server.puts[0].at <= pcx.clock.timeout - 20
    assert r["PhysicalResourceId"] == f"{PCX}-dns"  # the rollback turns it off again


def test_dns_delete_turns_it_off_and_tolerates_a_gone_peering(pcx: Run) -> None:
    _error(pcx.stubs["us-east-1"], "modify_vpc_peering_connection_options",
           "InvalidVpcPeeringConnectionID.NotFound")
    _pcx_ok(pcx, "eu-central-1", "Accepter", False)
    r = pcx(pcx.event("Delete", {"PeeringConnectionId": PCX, "Sides": BOTH},
                      physical=f"{PCX}-dns"))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", f"{PCX}-dns")
    assert pcx.clock.sleeps == []


def test_dns_update_to_another_peering_replaces_the_resource(pcx: Run) -> None:
    other = "pcx-0fedcba9876543210"
    pcx.stubs["us-east-1"].add_response(
        "modify_vpc_peering_connection_options", {},
        {"VpcPeeringConnectionId": other,
         "RequesterPeeringConnectionOptions": {"AllowDnsResolutionFromRemoteVpc": True}})
    r = pcx(pcx.event("Update", {"PeeringConnectionId": other, "Sides": BOTH[:1]},
                      old={"PeeringConnectionId": PCX, "Sides": BOTH[:1]}, physical=f"{PCX}-dns"))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", f"{other}-dns")


def test_dns_handler_against_moto(server: ResponseServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Against moto in process: the parameters are accepted by the real API
    model and the options read back as set, then unset."""
    from moto import mock_aws

    monkeypatch.delenv("AWS_ENDPOINT_URL")
    module = load(PEERING_SOURCE)
    run = Run(module, server, Clock(HANDLER_TIMEOUT_SECONDS))
    with mock_aws():
        ec2c = boto3.client("ec2", region_name="us-east-1")
        a = ec2c.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        b = ec2c.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
        pid = ec2c.create_vpc_peering_connection(
            VpcId=a, PeerVpcId=b)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
        ec2c.accept_vpc_peering_connection(VpcPeeringConnectionId=pid)
        sides = [{"Side": "Requester", "Region": "us-east-1"},
                 {"Side": "Accepter", "Region": "us-east-1"}]

        def options() -> list[bool]:
            [got] = ec2c.describe_vpc_peering_connections(
                VpcPeeringConnectionIds=[pid])["VpcPeeringConnections"]
            return [got[s]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"]
                    for s in ("RequesterVpcInfo", "AccepterVpcInfo")]

        r = run(run.event("Create", {"PeeringConnectionId": pid, "Sides": sides}))
        assert r["Status"] == "SUCCESS", r
        assert options() == [True, True]
        r = run(run.event("Delete", {"PeeringConnectionId": pid, "Sides": sides},
                          physical=r["PhysicalResourceId"]))
        assert r["Status"] == "SUCCESS", r
        assert options() == [False, False]


# --------------------------------------------------------------------------
# Direct Connect gateway association
# --------------------------------------------------------------------------

DX_PROPS = {"DirectConnectGatewayId": DXGW, "VirtualGatewayId": VGW,
            "AllowedPrefixes": ["10.20.0.0/16"]}
BY_PAIR = {"directConnectGatewayId": DXGW, "virtualGatewayId": VGW}
NOT_FOUND = "Direct Connect gateway association c2b3f1a4 not found"


def _assoc(state: str, aid: str = ASSOC, gw: str = DXGW, prefixes: list[str] | None = None,
           error: str | None = None) -> dict:
    a = {"associationId": aid, "associationState": state, "directConnectGatewayId": gw,
         "virtualGatewayId": VGW,
         "associatedGateway": {"id": VGW, "type": "virtualPrivateGateway"},
         "allowedPrefixesToDirectConnectGateway": [
             {"cidr": c} for c in prefixes or ["10.20.0.0/16"]]}
    if error:
        a["stateChangeError"] = error
    return a


def _by_id(run: Run, *states: str, aid: str = ASSOC, gw: str = DXGW,
           prefixes: list[str] | None = None) -> None:
    for s in states:
        found = [] if s == "gone" else [_assoc(s, aid, gw, prefixes)]
        run.stubs["dx"].add_response("describe_direct_connect_gateway_associations",
                                     {"directConnectGatewayAssociations": found},
                                     {"directConnectGatewayId": gw, "associationId": aid})


def _by_pair(run: Run, *found: dict, gw: str = DXGW) -> None:
    run.stubs["dx"].add_response("describe_direct_connect_gateway_associations",
                                 {"directConnectGatewayAssociations": list(found)},
                                 {"directConnectGatewayId": gw, "virtualGatewayId": VGW})


def _create(run: Run, aid: str = ASSOC, gw: str = DXGW) -> None:
    run.stubs["dx"].add_response(
        "create_direct_connect_gateway_association",
        {"directConnectGatewayAssociation": _assoc("associating", aid, gw)},
        {"directConnectGatewayId": gw, "virtualGatewayId": VGW,
         "addAllowedPrefixesToDirectConnectGateway": [{"cidr": "10.20.0.0/16"}]})


def _delete_call(run: Run, aid: str = ASSOC) -> None:
    run.stubs["dx"].add_response("delete_direct_connect_gateway_association",
                                 {"directConnectGatewayAssociation": _assoc("disassociating", aid)},
                                 {"associationId": aid})


def test_dx_create_associates_and_waits_for_associated(dx: Run) -> None:
    _by_pair(dx)  # no association of these two gateways yet
    _create(dx)
    _by_id(dx, "associating", "associating", "associated")
    r = dx(dx.event("Create", DX_PROPS))
    assert (r["Status"], r["PhysicalResourceId"], r["Data"]) == (
        "SUCCESS", ASSOC, {"AssociationId": ASSOC})
    assert dx.clock.sleeps == [dx.module.POLL_S] * 2


def test_dx_create_adopts_the_association_a_lost_answer_left(dx: Run) -> None:
    """CloudFormation sent Create again (or one was made by hand): the
    existing association of the same two gateways is taken over, not
    duplicated or left behind."""
    _by_pair(dx, _assoc("disassociated", ASSOC2), _assoc("associating"))
    _by_id(dx, "associated")
    r = dx(dx.event("Create", DX_PROPS))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", ASSOC)


def test_dx_create_adopting_an_association_sets_its_prefixes(dx: Run) -> None:
    _by_pair(dx, _assoc("associated", prefixes=["10.0.0.0/8"]))
    _by_id(dx, "associated", prefixes=["10.0.0.0/8"])
    dx.stubs["dx"].add_response(
        "update_direct_connect_gateway_association",
        {"directConnectGatewayAssociation": _assoc("updating")},
        {"associationId": ASSOC,
         "addAllowedPrefixesToDirectConnectGateway": [{"cidr": "10.20.0.0/16"}],
         "removeAllowedPrefixesToDirectConnectGateway": [{"cidr": "10.0.0.0/8"}]})
    _by_id(dx, "updating", "associated")
    r = dx(dx.event("Create", DX_PROPS))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", ASSOC)


def test_dx_create_whose_answer_timed_out_adopts_what_it_made(dx: Run) -> None:
    """The first CreateDirectConnectGatewayAssociation timed out after AWS
    made the association; the retry is refused (the gateway is taken); the
    handler finds the association and carries on with it."""
    stub = dx.stubs["dx"]
    calls: list[str] = []

    def first_create_times_out(model: Any, **_: Any) -> None:
        calls.append(model.name)
        if calls.count("CreateDirectConnectGatewayAssociation") == 1 and \
                model.name == "CreateDirectConnectGatewayAssociation":
            raise bx.ReadTimeoutError(endpoint_url="https://directconnect.us-east-1.amazonaws.com")

    stub.client.meta.events.register_first("before-call.*.*", first_create_times_out)
    _by_pair(dx)
    # (the first create raises before the stub answers: nothing is queued for it)
    _error(stub, "create_direct_connect_gateway_association", "DirectConnectClientException",
           "The virtual private gateway is already associated with a Direct Connect gateway")
    _by_pair(dx, _assoc("associating"))
    _by_id(dx, "associated")
    r = dx(dx.event("Create", DX_PROPS))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", ASSOC)


def test_dx_create_refused_leaves_nothing_to_delete(dx: Run) -> None:
    _by_pair(dx)
    _error(dx.stubs["dx"], "create_direct_connect_gateway_association",
           "DirectConnectClientException", "The virtual private gateway is already associated")
    _by_pair(dx)
    r = dx(dx.event("Create", DX_PROPS))
    assert r["Status"] == "FAILED" and "already associated" in r["Reason"]
    assert r["PhysicalResourceId"] == "none-req-1"
    # The rollback's Delete of that id calls nothing.
    r = dx(dx.event("Delete", DX_PROPS, physical=r["PhysicalResourceId"]))
    assert r["Status"] == "SUCCESS"


def test_dx_create_after_an_old_association_is_leaving_waits_for_it(dx: Run) -> None:
    _by_pair(dx, _assoc("disassociating", ASSOC2))
    _by_id(dx, "disassociating", "disassociated", aid=ASSOC2)
    _create(dx)
    _by_id(dx, "associated")
    r = dx(dx.event("Create", DX_PROPS))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", ASSOC)


def test_dx_create_that_never_completes_fails_before_the_timeout_with_the_id(dx: Run) -> None:
    """FAILED with the association id, so the rollback's Delete removes it."""
    _by_pair(dx)
    _create(dx)
    _by_id(dx, *["associating"] * 60)
    dx.latency(1)
    r = dx(dx.event("Create", DX_PROPS), check_stubs=False)
    assert r["Status"] == "FAILED" and r["PhysicalResourceId"] == ASSOC
    assert "still associating, not associated, at the timeout" in r["Reason"]
    assert dx.server.puts[0].at <= dx.clock.timeout - 20


def test_dx_create_reports_the_state_change_error(dx: Run) -> None:
    _by_pair(dx)
    _create(dx)
    dx.stubs["dx"].add_response(
        "describe_direct_connect_gateway_associations",
        {"directConnectGatewayAssociations": [_assoc("associating", error="prefix overlap")]},
        {"directConnectGatewayId": DXGW, "associationId": ASSOC})
    r = dx(dx.event("Create", DX_PROPS))
    assert r["Status"] == "FAILED" and "prefix overlap" in r["Reason"]
    assert r["PhysicalResourceId"] == ASSOC


@pytest.mark.parametrize("code,message,status", [
    ("TooManyRequestsException", "Rate exceeded", 429),
    ("ThrottlingException", "Rate exceeded", 400),
    ("DirectConnectClientException", "Rate exceeded", 400),
    ("DirectConnectServerException", "Internal error", 500),
])
def test_dx_throttling_is_retried(dx: Run, code: str, message: str, status: int) -> None:
    _error(dx.stubs["dx"], "describe_direct_connect_gateway_associations", code, message, status,
           times=2)
    _by_id(dx, "associated")
    _delete_call(dx)
    _by_id(dx, "gone")
    r = dx(dx.event("Delete", DX_PROPS, physical=ASSOC))
    assert r["Status"] == "SUCCESS"
    assert dx.clock.sleeps == [1, 2]


def test_dx_throttling_that_never_ends_fails_before_the_deadline(dx: Run) -> None:
    _error(dx.stubs["dx"], "describe_direct_connect_gateway_associations",
           "TooManyRequestsException", "Rate exceeded", 429, times=200)
    dx.latency(10)
    r = dx(dx.event("Delete", DX_PROPS, physical=ASSOC), check_stubs=False)
    assert r["Status"] == "FAILED" and "TooManyRequestsException" in r["Reason"]
    assert dx.server.puts[0].at <= dx.clock.timeout - 20
    assert r["PhysicalResourceId"] == ASSOC


def test_dx_delete_disassociates_and_waits(dx: Run) -> None:
    _by_id(dx, "associated")
    _delete_call(dx)
    _by_id(dx, "disassociating", "gone")
    r = dx(dx.event("Delete", DX_PROPS, physical=ASSOC))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", ASSOC)


def test_dx_delete_of_an_association_not_found_succeeds(dx: Run) -> None:
    _error(dx.stubs["dx"], "describe_direct_connect_gateway_associations",
           "DirectConnectClientException", NOT_FOUND)
    r = dx(dx.event("Delete", DX_PROPS, physical=ASSOC))
    assert r["Status"] == "SUCCESS"


def test_dx_delete_of_a_disassociated_association_succeeds(dx: Run) -> None:
    _by_id(dx, "disassociated")
    assert dx(dx.event("Delete", DX_PROPS, physical=ASSOC))["Status"] == "SUCCESS"


def test_dx_delete_gone_between_describe_and_delete_succeeds(dx: Run) -> None:
    _by_id(dx, "associated")
    _error(dx.stubs["dx"], "delete_direct_connect_gateway_association",
           "DirectConnectClientException", "The association does not exist")
    assert dx(dx.event("Delete", DX_PROPS, physical=ASSOC))["Status"] == "SUCCESS"


@pytest.mark.parametrize("method", ["describe_direct_connect_gateway_associations",
                                    "delete_direct_connect_gateway_association"])
def test_dx_delete_failing_otherwise_is_not_mistaken_for_gone(dx: Run, method: str) -> None:
    """Any other client error may leave a live association: the gateway
    detach that follows would fail, so Delete must fail here, visibly."""
    if method.startswith("delete"):
        _by_id(dx, "associated")
    _error(dx.stubs["dx"], method, "DirectConnectClientException",
           "The request was rejected: the Direct Connect gateway is in an invalid state")
    r = dx(dx.event("Delete", DX_PROPS, physical=ASSOC))
    assert r["Status"] == "FAILED" and "invalid state" in r["Reason"]


def test_dx_access_denied_is_not_mistaken_for_not_found(dx: Run) -> None:
    _error(dx.stubs["dx"], "describe_direct_connect_gateway_associations",
           "AccessDeniedException", "User is not authorized to perform this action")
    r = dx(dx.event("Delete", DX_PROPS, physical=ASSOC))
    assert r["Status"] == "FAILED" and "not authorized" in r["Reason"]


def test_dx_delete_while_disassociating_only_waits(dx: Run) -> None:
    _by_id(dx, "disassociating", "disassociated")
    assert dx(dx.event("Delete", DX_PROPS, physical=ASSOC))["Status"] == "SUCCESS"


def test_dx_delete_while_associating_lets_it_settle_first(dx: Run) -> None:
    _by_id(dx, "associating", "associating", "associated")
    _delete_call(dx)
    _by_id(dx, "gone")
    assert dx(dx.event("Delete", DX_PROPS, physical=ASSOC))["Status"] == "SUCCESS"


def test_dx_update_of_prefixes_adds_and_removes_only_the_difference(dx: Run) -> None:
    old = {**DX_PROPS, "AllowedPrefixes": ["10.20.0.0/16", "10.0.0.0/8"]}
    new = {**DX_PROPS, "AllowedPrefixes": ["10.20.0.0/16", "10.20.0.0/15"]}
    _by_id(dx, "associated", prefixes=["10.20.0.0/16", "10.0.0.0/8"])
    dx.stubs["dx"].add_response(
        "update_direct_connect_gateway_association",
        {"directConnectGatewayAssociation": _assoc("updating")},
        {"associationId": ASSOC,
         "addAllowedPrefixesToDirectConnectGateway": [{"cidr": "10.20.0.0/15"}],
         "removeAllowedPrefixesToDirectConnectGateway": [{"cidr": "10.0.0.0/8"}]})
    _by_id(dx, "updating", "associated")
    r = dx(dx.event("Update", new, old=old, physical=ASSOC))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", ASSOC)


def test_dx_update_that_only_adds_service_timeout_changes_nothing(dx: Run) -> None:
    """Adding ServiceTimeout is a property change, so CloudFormation sends an
    Update: the association is looked at, and left as it is."""
    _by_id(dx, "associated")
    event = dx.event("Update", DX_PROPS, physical=ASSOC)
    event["OldResourceProperties"] = {"ServiceToken": CFN_PROPS["ServiceToken"], **DX_PROPS}
    r = dx(event)
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", ASSOC)


def test_dx_update_to_another_gateway_disassociates_the_old_pair_first(dx: Run) -> None:
    new = {**DX_PROPS, "DirectConnectGatewayId": DXGW2}
    _by_pair(dx, _assoc("associated"))  # the old pair's association
    _delete_call(dx)
    _by_id(dx, "disassociating", "disassociated")
    _by_pair(dx, gw=DXGW2)
    _create(dx, ASSOC2, DXGW2)
    _by_id(dx, "associated", aid=ASSOC2, gw=DXGW2)
    r = dx(dx.event("Update", new, old=DX_PROPS, physical=ASSOC))
    # A new physical id: CloudFormation's cleanup then deletes the old one (gone already).
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", ASSOC2)
    _by_id(dx, "gone")
    assert dx(dx.event("Delete", DX_PROPS, physical=ASSOC))["Status"] == "SUCCESS"


def test_dx_handler_client_is_made_lazily() -> None:
    """Importing a handler makes no client: a bad region or missing
    credentials surface inside the try, as a FAILED answer."""
    for source in SOURCES.values():
        module = load(source)
        assert getattr(module, "DX", None) in (None, [])
        assert getattr(module, "CLIENTS", {}) == {}
