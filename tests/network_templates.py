"""Small hand-written CloudFormation templates for the analyzer tests.

Plain dicts in the shape the library synthesizes (tags, refs, AZs as
``Fn::Select [i, Fn::GetAZs '']``), built by :class:`Net`; each test starts
from a layout and breaks one thing.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

IGW = {"Ref": "Igw"}


def az(i: int) -> dict[str, Any]:
    return {"Fn::Select": [i, {"Fn::GetAZs": ""}]}


class Net:
    """A template under construction."""

    def __init__(self, cidr: str = "10.0.0.0/16", vpc: str = "Vpc") -> None:
        self.vpc = vpc
        self.res: dict[str, dict[str, Any]] = {}
        self.add(vpc, "AWS::EC2::VPC", CidrBlock=cidr, EnableDnsSupport=True,
                 Tags=[{"Key": "Name", "Value": "test"}])

    # -- generic -----------------------------------------------------------
    def add(self, lid: str, type_: str, **props: Any) -> Net:
        self.res[lid] = {"Type": type_, "Properties": props}
        return self

    def props(self, lid: str) -> dict[str, Any]:
        return self.res[lid]["Properties"]

    def ref(self, lid: str) -> dict[str, str]:
        return {"Ref": lid}

    def template(self) -> dict[str, Any]:
        return {"Resources": copy.deepcopy(self.res)}

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(self.template(), indent=1))
        return path

    # -- network pieces ------------------------------------------------------
    def igw(self, lid: str = "Igw") -> Net:
        self.add(lid, "AWS::EC2::InternetGateway")
        return self.add(f"{lid}Attachment", "AWS::EC2::VPCGatewayAttachment",
                        VpcId=self.ref(self.vpc), InternetGatewayId=self.ref(lid))

    def subnet(self, lid: str, tier: str, kind: str, az_index: int, cidr: Any,
               az_expr: Any = None, **extra: Any) -> Net:
        cdk = {"public": "Public", "private": "Private", "isolated": "Isolated"}[kind]
        props: dict[str, Any] = {
            "VpcId": self.ref(self.vpc), "CidrBlock": cidr,
            "Tags": [{"Key": "aws-cdk:subnet-name", "Value": tier},
                     {"Key": "aws-cdk:subnet-type", "Value": cdk},
                     {"Key": "vpc-patterns:tier", "Value": tier},
                     {"Key": "vpc-patterns:az", "Value": f"az{az_index + 1}"}],
        }
        if "AvailabilityZoneId" not in extra:
            props["AvailabilityZone"] = az(az_index) if az_expr is None else az_expr
        props.update(extra)
        return self.add(lid, "AWS::EC2::Subnet", **props)

    def route_table(self, lid: str, *subnets: str) -> Net:
        self.add(lid, "AWS::EC2::RouteTable", VpcId=self.ref(self.vpc))
        for s in subnets:
            self.add(f"{s}Assoc", "AWS::EC2::SubnetRouteTableAssociation",
                     SubnetId=self.ref(s), RouteTableId=self.ref(lid))
        return self

    def route(self, lid: str, rt: str, dest: Any = "0.0.0.0/0", **target: Any) -> Net:
        key = "DestinationPrefixListId" if isinstance(dest, str) and dest.startswith("pl-") \
            else "DestinationCidrBlock"
        return self.add(lid, "AWS::EC2::Route", RouteTableId=self.ref(rt), **{key: dest}, **target)

    def nat_gateway(self, lid: str, subnet: str) -> Net:
        self.add(f"{lid}Eip", "AWS::EC2::EIP", Domain="vpc")
        return self.add(lid, "AWS::EC2::NatGateway", SubnetId=self.ref(subnet),
                        AllocationId={"Fn::GetAtt": [f"{lid}Eip", "AllocationId"]})

    def endpoint(self, lid: str, service: str, *rts: str) -> Net:
        return self.add(lid, "AWS::EC2::VPCEndpoint", VpcId=self.ref(self.vpc),
                        VpcEndpointType="Gateway",
                        ServiceName={"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"},
                                                       f".{service}"]]},
                        RouteTableIds=[self.ref(r) for r in rts])

    def acl(self, lid: str, *subnets: str) -> Net:
        self.add(lid, "AWS::EC2::NetworkAcl", VpcId=self.ref(self.vpc))
        for s in subnets:
            self.add(f"{s}AclAssoc", "AWS::EC2::SubnetNetworkAclAssociation",
                     SubnetId=self.ref(s), NetworkAclId=self.ref(lid))
        return self

    def entry(self, acl: str, rule: int, *, egress: bool, action: str = "allow",
              cidr: Any = "0.0.0.0/0", protocol: int = 6, ports: tuple[int, int] | None = None,
              lid: str | None = None) -> Net:
        props: dict[str, Any] = {"NetworkAclId": self.ref(acl), "RuleNumber": rule,
                                 "Protocol": protocol, "RuleAction": action, "Egress": egress,
                                 "CidrBlock": cidr}
        if ports is not None:
            props["PortRange"] = {"From": ports[0], "To": ports[1]}
        name = lid or f"{acl}{'Egress' if egress else 'Ingress'}{rule}"
        return self.add(name, "AWS::EC2::NetworkAclEntry", **props)


def three_tier(azs: int = 2, *, endpoints: bool = True) -> Net:
    """public / private / isolated, a NAT gateway per AZ, S3 and DynamoDB
    gateway endpoints on the private and isolated route tables (as the
    library builds it)."""
    n = Net().igw()
    pub = [f"PublicAz{i + 1}" for i in range(azs)]
    for i in range(azs):
        n.subnet(pub[i], "public", "public", i, f"10.0.{i}.0/24")
        n.subnet(f"PrivateAz{i + 1}", "private", "private", i, f"10.0.{128 + 16 * i}.0/20")
        n.subnet(f"IsolatedAz{i + 1}", "isolated", "isolated", i, f"10.0.{32 + 4 * i}.0/22")
    n.route_table("PublicRouteTable", *pub)
    n.route("PublicDefaultRoute", "PublicRouteTable", GatewayId=IGW)
    rts = []
    for i in range(azs):
        n.nat_gateway(f"NatAz{i + 1}", pub[i])
        rt = f"PrivateAz{i + 1}RouteTable"
        n.route_table(rt, f"PrivateAz{i + 1}")
        n.route(f"PrivateAz{i + 1}DefaultRoute", rt, NatGatewayId=n.ref(f"NatAz{i + 1}"))
        rts.append(rt)
    n.route_table("IsolatedRouteTable", *[f"IsolatedAz{i + 1}" for i in range(azs)])
    rts.append("IsolatedRouteTable")
    if endpoints:
        n.endpoint("S3Endpoint", "s3", *rts)
        n.endpoint("DynamodbEndpoint", "dynamodb", *rts)
    return n


APP_BLOCK = "10.0.128.0/17"
DATA_BLOCK = "10.0.32.0/19"
VPC = "10.0.0.0/16"


def app_data(*, ssh: bool = False, data_returns: bool = True) -> Net:
    """public / app (private) / data (isolated), 2 AZs, with network ACLs:
    app may open 5432 to data and 443 to the internet; data admits 5432 from
    app; both admit the ephemeral return range. ``ssh``: both ACLs also
    admit TCP 22 from app to data (the mistake a reviewer wants flagged)."""
    n = Net().igw()
    for i in range(2):
        n.subnet(f"PublicAz{i + 1}", "public", "public", i, f"10.0.{i}.0/24")
        n.subnet(f"AppAz{i + 1}", "app", "private", i, f"10.0.{128 + 16 * i}.0/20")
        n.subnet(f"DataAz{i + 1}", "data", "isolated", i, f"10.0.{32 + 4 * i}.0/22")
    n.route_table("PublicRouteTable", "PublicAz1", "PublicAz2")
    n.route("PublicDefaultRoute", "PublicRouteTable", GatewayId=IGW)
    for i in range(2):
        n.nat_gateway(f"NatAz{i + 1}", f"PublicAz{i + 1}")
        n.route_table(f"AppAz{i + 1}RouteTable", f"AppAz{i + 1}")
        n.route(f"AppAz{i + 1}DefaultRoute", f"AppAz{i + 1}RouteTable",
                NatGatewayId=n.ref(f"NatAz{i + 1}"))
    n.route_table("DataRouteTable", "DataAz1", "DataAz2")
    n.acl("AppAcl", "AppAz1", "AppAz2")
    n.entry("AppAcl", 100, egress=True, cidr=DATA_BLOCK, ports=(5432, 5432))
    if ssh:
        n.entry("AppAcl", 105, egress=True, cidr=DATA_BLOCK, ports=(22, 22))
    n.entry("AppAcl", 110, egress=True, ports=(443, 443))
    n.entry("AppAcl", 200, egress=True, cidr=VPC, ports=(1024, 65535))
    n.entry("AppAcl", 100, egress=False, ports=(1024, 65535))
    n.acl("DataAcl", "DataAz1", "DataAz2")
    n.entry("DataAcl", 100, egress=False, cidr=APP_BLOCK, ports=(5432, 5432))
    if ssh:
        n.entry("DataAcl", 110, egress=False, cidr=APP_BLOCK, ports=(22, 22))
    n.entry("DataAcl", 200, egress=False, cidr=VPC, ports=(1024, 65535))
    if data_returns:
        n.entry("DataAcl", 100, egress=True, cidr=VPC, ports=(1024, 65535))
    return n


def public_acl(n: Net, *, extra_port: int | None = None) -> Net:
    """The public tier's own ACL, in the shape the security-layers issue
    describes: HTTP/HTTPS and the return range from anywhere, all from the
    VPC (traffic to the NATs); out, TCP anywhere and all to the VPC."""
    subnets = [lid for lid, r in n.res.items() if r["Type"] == "AWS::EC2::Subnet"
               and {"Key": "vpc-patterns:tier", "Value": "public"} in r["Properties"]["Tags"]]
    n.acl("PublicAcl", *subnets)
    n.entry("PublicAcl", 100, egress=False, ports=(80, 80))
    n.entry("PublicAcl", 110, egress=False, ports=(443, 443))
    if extra_port is not None:
        n.entry("PublicAcl", 115, egress=False, ports=(extra_port, extra_port))
    n.entry("PublicAcl", 120, egress=False, ports=(1024, 65535))
    n.entry("PublicAcl", 130, egress=False, cidr=VPC, protocol=-1)
    n.entry("PublicAcl", 100, egress=True)
    n.entry("PublicAcl", 110, egress=True, cidr=VPC, protocol=-1)
    return n
