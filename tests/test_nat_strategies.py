"""Each NAT strategy synthesizes what ``NatProvider``'s docstring promises.

One App, one stack per strategy, synthesized once. Expectations come from the
plan (NAT placement, which NAT each private route table uses, the private
tier blocks) and from the documented hardening of ``SelfHealingNatInstance``.
"""

from __future__ import annotations

import ipaddress
import json

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from vpc_patterns import BestPracticeVpc, NatProvider, SubnetKind, Tier

from .template_helpers import SynthedVpc, as_list, az_select_index, getatt, ref, refs_in

VPC_ID = "Net"
T_SUBNET = "AWS::EC2::Subnet"
T_ROUTE = "AWS::EC2::Route"
T_ASSOC = "AWS::EC2::SubnetRouteTableAssociation"
T_NAT = "AWS::EC2::NatGateway"
T_EIP = "AWS::EC2::EIP"
T_ENI = "AWS::EC2::NetworkInterface"
T_ASG = "AWS::AutoScaling::AutoScalingGroup"
T_LT = "AWS::EC2::LaunchTemplate"
AMI_PARAM_TYPE = "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"


class Synth(SynthedVpc):
    def default_route(self, subnet_lid: str) -> dict:
        routes = [r for r in self.routes_of(self.route_table_of(subnet_lid))
                  if r["Properties"]["DestinationCidrBlock"] == "0.0.0.0/0"]
        assert len(routes) == 1, f"{subnet_lid}: {len(routes)} default routes"
        return routes[0]["Properties"]

    def public_subnet_by_az(self) -> dict[int, str]:
        return {az_select_index(self.res[lid]): lid
                for lid in self.subnets_of_kind(SubnetKind.PUBLIC)}


@pytest.fixture(scope="module")
def synths(cdk_context) -> dict[str, Synth]:
    app = App(context=cdk_context)
    scenarios = {
        "per_az": dict(nat=NatProvider.gateway_per_az()),
        "single": dict(nat=NatProvider.single_gateway()),
        "two": dict(nat=NatProvider.gateways(2)),
        "instances": dict(nat=NatProvider.instances()),
        "instances_x86": dict(nat=NatProvider.instances(instance_type="t3.micro")),
        "instances_ports": dict(
            nat=NatProvider.instances(allowed_ports=(443, 22)),
            tiers=[Tier("public", "public"), Tier("app", "private"),
                   Tier("data", "private", cidr_mask=22), Tier("db", "isolated")],
        ),
        "none": dict(nat=NatProvider.none(),
                     tiers=[Tier("public", "public"), Tier("isolated", "isolated")]),
    }
    built = {}
    for key, kwargs in scenarios.items():
        stack = Stack(app, key.replace("_", "-"))
        built[key] = (stack, BestPracticeVpc(stack, VPC_ID, **kwargs))
    return {k: Synth(s, v, Template.from_stack(s).to_json()) for k, (s, v) in built.items()}


# --------------------------------------------------------------------------
# NAT gateways
# --------------------------------------------------------------------------


def test_gateway_per_az_three_gateways_in_distinct_public_subnets(synths):
    s = synths["per_az"]
    nats = s.of_type(T_NAT)
    assert len(nats) == 3
    assert len(s.of_type(T_EIP)) == 3
    public = set(s.subnets_of_kind(SubnetKind.PUBLIC))
    homes = [ref(n["Properties"]["SubnetId"]) for n in nats.values()]
    assert set(homes) <= public
    assert len(set(homes)) == 3
    eips = {getatt(n["Properties"]["AllocationId"])[0] for n in nats.values()}
    assert eips == set(s.of_type(T_EIP)), "each NAT gateway needs its own EIP"


def test_gateway_per_az_private_routes_stay_in_their_az(synths):
    s = synths["per_az"]
    for lid in s.subnets_of_kind(SubnetKind.PRIVATE):
        nat = ref(s.default_route(lid)["NatGatewayId"])
        nat_subnet = ref(s.props(nat)["SubnetId"])
        assert az_select_index(s.res[nat_subnet]) == az_select_index(s.res[lid])


def test_nat_gateways_wait_for_the_public_default_route(synths):
    # A NAT gateway created before its subnet can reach the IGW drops traffic.
    s = synths["per_az"]
    public_routes = {
        k for k, r in s.of_type(T_ROUTE).items() if "GatewayId" in r["Properties"]
    }
    assert public_routes
    for nat in s.of_type(T_NAT).values():
        assert public_routes <= set(as_list(nat.get("DependsOn", [])))


def test_single_gateway_serves_every_private_subnet(synths):
    s = synths["single"]
    nats = s.of_type(T_NAT)
    assert len(nats) == 1
    assert len(s.of_type(T_EIP)) == 1
    (nat_lid, nat), = nats.items()
    assert ref(nat["Properties"]["SubnetId"]) in s.subnets_of_kind(SubnetKind.PUBLIC)
    private = s.subnets_of_kind(SubnetKind.PRIVATE)
    assert len(private) == 3
    for lid in private:
        assert s.default_route(lid)["NatGatewayId"] == {"Ref": nat_lid}


def test_single_gateway_is_in_the_first_az(synths):
    s = synths["single"]
    (nat,) = s.of_type(T_NAT).values()
    assert az_select_index(s.res[ref(nat["Properties"]["SubnetId"])]) == 0


def test_gateways_two_in_the_first_two_azs(synths):
    s = synths["two"]
    nats = s.of_type(T_NAT)
    assert len(nats) == 2
    assert len(s.of_type(T_EIP)) == 2
    azs = sorted(az_select_index(s.res[ref(n["Properties"]["SubnetId"])]) for n in nats.values())
    assert azs == [0, 1]


def test_gateways_two_routes_follow_the_plan(synths):
    s = synths["two"]
    nat_lid_of = {cid: s.lid(gw) for cid, gw in s.vpc.nat_gateways.items()}
    used = set()
    for planned in s.plan.subnets_by_kind(SubnetKind.PRIVATE):
        lid = s.lid(s.vpc.subnets[planned.construct_id])
        nat = ref(s.default_route(lid)["NatGatewayId"])
        assert nat in s.of_type(T_NAT)
        (route_plan,) = s.plan.route_table(planned.route_table).routes
        assert nat == nat_lid_of[route_plan.target_id]
        nat_az = az_select_index(s.res[ref(s.props(nat)["SubnetId"])])
        if planned.az.index < 2:
            assert nat_az == planned.az.index, "an AZ with its own NAT must use it"
        used.add(nat)
    assert used == set(s.of_type(T_NAT)), "a NAT gateway nobody routes to"


@pytest.mark.parametrize("key", ["instances", "instances_x86", "instances_ports", "none"])
def test_no_nat_gateways_without_gateway_strategy(synths, key):
    """No NAT gateway; NAT instances keep one Elastic IP each (on the fixed
    interface, so the egress address survives a replaced instance); no NAT,
    no address."""
    s = synths[key]
    assert s.of_type(T_NAT) == {}
    eips = s.of_type(T_EIP)
    if key == "none":
        assert eips == {}
        return
    enis = s.of_type(T_ENI)
    assert len(eips) == len(enis) > 0
    assocs = s.of_type("AWS::EC2::EIPAssociation")
    assert {ref(a["Properties"]["NetworkInterfaceId"]) for a in assocs.values()} == set(enis)
    assert {getatt(a["Properties"]["AllocationId"]) for a in assocs.values()} == {
        (lid, "AllocationId") for lid in eips}


# --------------------------------------------------------------------------
# NAT instances
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inst(synths) -> Synth:
    return synths["instances"]


def test_instances_three_enis_without_source_dest_check_in_public_subnets(inst: Synth):
    enis = inst.of_type(T_ENI)
    assert len(enis) == 3
    by_az = inst.public_subnet_by_az()
    homes = []
    for eni in enis.values():
        p = eni["Properties"]
        assert p["SourceDestCheck"] is False
        homes.append(ref(p["SubnetId"]))
    assert sorted(homes) == sorted(by_az.values())


def test_instances_private_routes_use_same_az_eni(inst: Synth):
    private = inst.subnets_of_kind(SubnetKind.PRIVATE)
    assert len(private) == 3
    seen = set()
    for lid in private:
        route = inst.default_route(lid)
        assert "NatGatewayId" not in route and "GatewayId" not in route
        assert "InstanceId" not in route, "a route to an instance dies with the instance"
        eni = ref(route["NetworkInterfaceId"])
        assert inst.res[eni]["Type"] == T_ENI
        eni_subnet = ref(inst.props(eni)["SubnetId"])
        assert az_select_index(inst.res[eni_subnet]) == az_select_index(inst.res[lid])
        seen.add(eni)
    assert seen == set(inst.of_type(T_ENI))


def _asg_for_eni(s: Synth, eni_lid: str) -> tuple[str, dict]:
    """The Auto Scaling group whose launch template's user data attaches this ENI."""
    found = []
    for lid, asg in s.of_type(T_ASG).items():
        lt_lid = ref(asg["Properties"]["LaunchTemplate"]["LaunchTemplateId"])
        user_data = s.props(lt_lid)["LaunchTemplateData"]["UserData"]
        if eni_lid in refs_in(user_data):
            found.append((lid, asg))
    assert len(found) == 1, f"{len(found)} groups attach {eni_lid}"
    return found[0]


def test_instances_one_group_of_one_per_eni_in_its_subnet(inst: Synth):
    asgs = inst.of_type(T_ASG)
    assert len(asgs) == 3
    for eni_lid, eni in inst.of_type(T_ENI).items():
        _, asg = _asg_for_eni(inst, eni_lid)
        p = asg["Properties"]
        assert str(p["MinSize"]) == "1" and str(p["MaxSize"]) == "1"
        assert str(p.get("DesiredCapacity", "1")) == "1"
        # the instance must launch in the AZ of the interface it attaches
        assert p["VPCZoneIdentifier"] == [eni["Properties"]["SubnetId"]]


def test_instances_launch_template_is_hardened(inst: Synth):
    lts = inst.of_type(T_LT)
    assert len(lts) == 3
    for lid, lt in lts.items():
        data = lt["Properties"]["LaunchTemplateData"]
        assert data["MetadataOptions"]["HttpTokens"] == "required", lid
        assert data["Monitoring"]["Enabled"] is True, lid
        assert "KeyName" not in data, f"{lid}: SSH key pair on a NAT instance"
        mappings = data["BlockDeviceMappings"]
        assert mappings, f"{lid}: root volume not declared, so not encrypted"
        for m in mappings:
            assert m["Ebs"]["Encrypted"] is True, (lid, m)
        # AL2023's root device
        assert "/dev/xvda" in {m["DeviceName"] for m in mappings}
        assert data["InstanceType"] == "t4g.nano"


def test_instances_every_group_uses_a_launch_template_of_this_stack(inst: Synth):
    lts = set(inst.of_type(T_LT))
    used = {ref(a["Properties"]["LaunchTemplate"]["LaunchTemplateId"])
            for a in inst.of_type(T_ASG).values()}
    assert used == lts


def _image_parameter(s: Synth, lt_lid: str) -> dict:
    image = s.props(lt_lid)["LaunchTemplateData"]["ImageId"]
    name = ref(image)
    assert name in s.tpl.get("Parameters", {}), f"ImageId {image!r} is not a template parameter"
    return s.tpl["Parameters"][name]


def test_instances_ami_from_al2023_ssm_parameter_arm64(inst: Synth):
    for lt_lid in inst.of_type(T_LT):
        param = _image_parameter(inst, lt_lid)
        assert param["Type"] == AMI_PARAM_TYPE
        assert "al2023" in param["Default"]
        assert param["Default"].startswith("/aws/service/")
        assert "arm64" in param["Default"], "t4g is a Graviton (arm64) type"


def test_instances_x86_type_uses_x86_parameter(synths):
    s = synths["instances_x86"]
    lts = s.of_type(T_LT)
    assert len(lts) == 3
    for lt_lid, lt in lts.items():
        assert lt["Properties"]["LaunchTemplateData"]["InstanceType"] == "t3.micro"
        param = _image_parameter(s, lt_lid)
        assert param["Type"] == AMI_PARAM_TYPE
        assert "al2023" in param["Default"]
        assert "x86_64" in param["Default"] and "arm64" not in param["Default"]


def _nat_security_groups(s: Synth) -> dict[str, dict]:
    groups = {}
    for eni in s.of_type(T_ENI).values():
        for g in eni["Properties"]["GroupSet"]:
            lid, attr = getatt(g)
            assert attr == "GroupId"
            groups[lid] = s.res[lid]
    for lt in s.of_type(T_LT).values():
        for ni in lt["Properties"]["LaunchTemplateData"].get("NetworkInterfaces", []):
            for g in ni.get("Groups", []):
                lid, _ = getatt(g)
                groups[lid] = s.res[lid]
        for g in lt["Properties"]["LaunchTemplateData"].get("SecurityGroupIds", []):
            lid, _ = getatt(g)
            groups[lid] = s.res[lid]
    assert groups
    return groups


def test_instances_security_group_admits_only_private_block_on_80_443(inst: Synth):
    private_block = inst.plan.tier_block("private").block
    block = ipaddress.ip_network(private_block)
    # the block is the private tier's: it holds every private subnet and no other
    for planned in inst.plan.subnets:
        inside = ipaddress.ip_network(planned.cidr).subnet_of(block)
        assert inside is (planned.kind is SubnetKind.PRIVATE), planned
    groups = _nat_security_groups(inst)
    for lid, sg in groups.items():
        ingress = sg["Properties"].get("SecurityGroupIngress", [])
        assert ingress, f"{lid}: nothing can reach the NAT"
        for rule in ingress:
            assert rule["IpProtocol"] == "tcp", rule
            assert rule.get("CidrIp") == private_block, rule
            assert "CidrIpv6" not in rule and "SourceSecurityGroupId" not in rule
            assert rule["FromPort"] == rule["ToPort"]
        assert {r["FromPort"] for r in ingress} == {80, 443}
        for rule in sg["Properties"].get("SecurityGroupEgress", []):
            assert str(rule["IpProtocol"]) != "-1", f"{lid}: all-protocol egress"
    # no ingress added by a separate resource either
    for r in inst.of_type("AWS::EC2::SecurityGroupIngress").values():
        assert getatt(r["Properties"]["GroupId"])[0] not in groups


def test_instances_no_open_ingress_anywhere(inst: Synth):
    for lid, sg in inst.of_type("AWS::EC2::SecurityGroup").items():
        for rule in sg["Properties"].get("SecurityGroupIngress", []):
            assert rule.get("CidrIp") != "0.0.0.0/0", lid
            assert rule.get("CidrIpv6") != "::/0", lid
            assert str(rule["IpProtocol"]) != "-1", lid


def test_instances_role_has_no_ec2_wildcard(inst: Synth):
    profiles = inst.of_type("AWS::IAM::InstanceProfile")
    roles: set[str] = set()
    for lt in inst.of_type(T_LT).values():
        prof_lid, _ = getatt(lt["Properties"]["LaunchTemplateData"]["IamInstanceProfile"]["Arn"])
        assert prof_lid in profiles
        roles |= {ref(r) for r in profiles[prof_lid]["Properties"]["Roles"]}
    assert len(roles) == 3
    for role_lid in roles:
        role = inst.props(role_lid)
        assert "ManagedPolicyArns" not in role, "AWS managed policies are broader than needed"
        docs = [p["PolicyDocument"] for p in role.get("Policies", [])]
        for type_ in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            docs += [p["Properties"]["PolicyDocument"] for p in inst.of_type(type_).values()
                     if {"Ref": role_lid} in p["Properties"].get("Roles", [])]
        assert docs, f"{role_lid} cannot attach its interface"
        actions = {a for doc in docs for s in as_list(doc["Statement"])
                   for a in as_list(s["Action"])}
        assert "ec2:AttachNetworkInterface" in actions
        assert "ec2:*" not in actions and "*" not in actions
        assert not any(a.startswith("ec2:") and a.endswith("*") for a in actions), actions


def test_instances_attach_permission_is_scoped_to_own_eni(inst: Synth):
    for eni_lid in inst.of_type(T_ENI):
        _, asg = _asg_for_eni(inst, eni_lid)
        lt_lid = ref(asg["Properties"]["LaunchTemplate"]["LaunchTemplateId"])
        prof_lid, _ = getatt(inst.props(lt_lid)["LaunchTemplateData"]["IamInstanceProfile"]["Arn"])
        (role,) = inst.props(prof_lid)["Roles"]
        docs = [p["Properties"]["PolicyDocument"]
                for p in inst.of_type("AWS::IAM::ManagedPolicy").values()
                if role in p["Properties"].get("Roles", [])]
        attach = [s for d in docs for s in as_list(d["Statement"])
                  if "ec2:AttachNetworkInterface" in as_list(s["Action"])]
        assert attach
        eni_refs = set().union(*(refs_in(s["Resource"]) for s in attach))
        other_enis = set(inst.of_type(T_ENI)) - {eni_lid}
        assert eni_lid in eni_refs
        assert not (eni_refs & other_enis), "an instance may attach another AZ's interface"


def test_instances_private_route_to_eni_not_to_group(inst: Synth):
    # The route must survive instance replacement: it targets the fixed ENI.
    enis = set(inst.of_type(T_ENI))
    for r in inst.of_type(T_ROUTE).values():
        p = r["Properties"]
        if "NetworkInterfaceId" in p:
            assert ref(p["NetworkInterfaceId"]) in enis


# --------------------------------------------------------------------------
# No NAT
# --------------------------------------------------------------------------


def test_none_has_no_nat_resources(synths):
    s = synths["none"]
    for type_ in (T_NAT, T_EIP, T_ENI, T_ASG, T_LT):
        assert s.of_type(type_) == {}, type_
    assert s.plan.nats == ()
    assert s.subnets_of_kind(SubnetKind.PRIVATE) == []
    assert len(s.subnets_of_kind(SubnetKind.PUBLIC)) == 3
    assert len(s.subnets_of_kind(SubnetKind.ISOLATED)) == 3


def test_none_isolated_has_no_route_off_the_vpc(synths):
    s = synths["none"]
    isolated_tables = {s.route_table_of(lid) for lid in s.subnets_of_kind(SubnetKind.ISOLATED)}
    for rt in isolated_tables:
        assert s.routes_of(rt) == []
    igw = next(iter(s.of_type("AWS::EC2::InternetGateway")))
    public_tables = {s.route_table_of(lid) for lid in s.subnets_of_kind(SubnetKind.PUBLIC)}
    defaults = [r for r in s.of_type(T_ROUTE).values()
                if r["Properties"]["DestinationCidrBlock"] == "0.0.0.0/0"]
    assert defaults, "the public tier still reaches the internet"
    for r in defaults:
        assert r["Properties"]["GatewayId"] == {"Ref": igw}
        assert ref(r["Properties"]["RouteTableId"]) in public_tables


def test_none_gateway_endpoints_serve_isolated_only(synths):
    s = synths["none"]
    isolated_tables = {s.route_table_of(lid) for lid in s.subnets_of_kind(SubnetKind.ISOLATED)}
    eps = s.of_type("AWS::EC2::VPCEndpoint")
    assert len(eps) == 2
    for ep in eps.values():
        assert {ref(r) for r in ep["Properties"]["RouteTableIds"]} == isolated_tables


def test_instances_imds_hop_limit_one_and_gp3_root(inst: Synth):
    for lt in inst.of_type(T_LT).values():
        data = lt["Properties"]["LaunchTemplateData"]
        assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
        root = [m for m in data["BlockDeviceMappings"] if m["DeviceName"] == "/dev/xvda"]
        assert root[0]["Ebs"]["VolumeType"] == "gp3"


def test_instances_egress_only_on_allowed_ports(inst: Synth):
    for lid, sg in _nat_security_groups(inst).items():
        egress = sg["Properties"].get("SecurityGroupEgress")
        # no SecurityGroupEgress at all would mean CloudFormation's allow-all rule
        assert egress, f"{lid}: default allow-all egress"
        for rule in egress:
            assert rule["IpProtocol"] == "tcp" and rule["FromPort"] == rule["ToPort"], rule
        assert {r["FromPort"] for r in egress} == {80, 443}


def test_instances_allowed_ports_and_every_private_block_admitted(synths):
    s = synths["instances_ports"]
    blocks = {s.plan.tier_block("app").block, s.plan.tier_block("data").block}
    assert len(blocks) == 2
    # every private subnet of both tiers lies in one of the admitted blocks
    for planned in s.plan.subnets_by_kind(SubnetKind.PRIVATE):
        net = ipaddress.ip_network(planned.cidr)
        assert any(net.subnet_of(ipaddress.ip_network(b)) for b in blocks), planned
    groups = _nat_security_groups(s)
    assert len(groups) == 1
    (sg,) = groups.values()
    ingress = {(r["CidrIp"], r["IpProtocol"], r["FromPort"], r["ToPort"])
               for r in sg["Properties"]["SecurityGroupIngress"]}
    assert ingress == {(b, "tcp", p, p) for b in blocks for p in (443, 22)}
    egress = {(r["IpProtocol"], r["FromPort"]) for r in sg["Properties"]["SecurityGroupEgress"]}
    assert egress == {("tcp", 443), ("tcp", 22)}


def test_instances_both_private_tiers_route_to_same_az_eni(synths):
    s = synths["instances_ports"]
    private = s.subnets_of_kind(SubnetKind.PRIVATE)
    assert len(private) == 6
    for lid in private:
        eni = ref(s.default_route(lid)["NetworkInterfaceId"])
        eni_subnet = ref(s.props(eni)["SubnetId"])
        assert az_select_index(s.res[eni_subnet]) == az_select_index(s.res[lid])
    assert len(s.of_type(T_ENI)) == 3, "one NAT per AZ, shared by the private tiers"


def test_instances_restore_nat_rules_on_every_boot(inst: Synth):
    """User data runs once per instance; the forwarding and routing must be
    installed as an enabled systemd unit (started at every boot, and re-applied
    by a timer) so a rebooted NAT instance still forwards."""
    for asg in inst.of_type(T_ASG).values():
        lt_lid = ref(asg["Properties"]["LaunchTemplate"]["LaunchTemplateId"])
        text = json.loads(json.dumps(inst.props(lt_lid)["LaunchTemplateData"]["UserData"]))
        text = "".join(p if isinstance(p, str) else "" for p in text["Fn::Base64"]["Fn::Join"][1])
        assert "/etc/systemd/system/vpc-patterns-nat.service" in text
        assert "WantedBy=multi-user.target" in text, "started at every boot"
        assert "OnBootSec=" in text and "OnUnitActiveSec=" in text, "and re-applied"
        assert "systemctl enable vpc-patterns-nat.service vpc-patterns-nat.timer" in text
        assert "-o \"$dev\" -j MASQUERADE" in text and "net.ipv4.ip_forward=1" in text
        assert "--device-index 1" in text  # the fixed interface, never the primary


# --------------------------------------------------------------------------
# Strategy objects and their builders
# --------------------------------------------------------------------------


def test_every_nat_kind_has_a_strategy_and_every_routing_one_a_builder():
    from vpc_patterns import NatKind
    from vpc_patterns.build.nat import NatGatewayBuilder, NatInstanceBuilder, nat_builder
    from vpc_patterns.plan.nat import nat_strategy

    for kind in NatKind:
        strategy = nat_strategy(kind)
        assert strategy.kind is kind
        if strategy.route_target is not None:
            assert nat_builder(kind).kind is kind
    assert nat_builder(NatKind.GATEWAY) is NatGatewayBuilder
    assert nat_builder(NatKind.INSTANCE) is NatInstanceBuilder
    assert nat_strategy(NatKind.NONE).route_target is None


def test_private_routes_use_the_hop_the_nat_builder_returned(synths):
    """The route to each NAT carries the id its builder made: the gateway's
    Ref, or the NAT instance's fixed interface (not the instance)."""
    gw, inst = synths["two"], synths["instances"]
    for n in gw.plan.nats:
        assert gw.vpc.nat_gateways[n.construct_id] is not None
    for rt in gw.plan.route_tables:
        for r in rt.routes:
            if r.target_id:
                route = gw.default_route(gw.subnet_lid(rt.subnets[0]))
                assert route["NatGatewayId"] == {
                    "Ref": gw.lid(gw.vpc.nat_gateways[r.target_id])}
    for rt in inst.plan.route_tables:
        for r in rt.routes:
            if r.target_id:
                route = inst.default_route(inst.subnet_lid(rt.subnets[0]))
                eni = inst.vpc.nat_instances[r.target_id].network_interface
                assert route["NetworkInterfaceId"] == {"Ref": inst.lid(eni)}
                assert set(route) == {"RouteTableId", "DestinationCidrBlock",
                                      "NetworkInterfaceId"}
