"""ExtraNetworkInterface: subnet, groups, fixed address, attachment at a
secondary device index, and every ConfigError (address outside its subnet or
in the five AWS reserves, a sixth security group, device index 0, tier/AZ,
instance in another AZ, taken address or index).

One stack, synthesized once for the module with the four cdk-nag packs as
validation plugins: a hardened instance (ec2.Instance, L2) in the second AZ
of the private tier with two extra interfaces (device 1 with a fixed address,
device 2 with five groups), an unattached interface in the isolated tier, and
an L1 ``CfnInstance`` (the default child of a second hardened instance) in the
first AZ with one more.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_ec2 as ec2

from vpc_patterns import BestPracticeVpc, ConfigError, NatProvider, Tier
from vpc_patterns.build.compliance import compliance_plugins
from vpc_patterns.build.eni import ExtraNetworkInterface
from vpc_patterns.build.security_groups import WorkloadSecurityGroups
from vpc_patterns.plan.eni import check_private_ip
from vpc_patterns.plan.security_groups import SecurityGroupSpec, SgRule

from .lint_helpers import cfn_lint

CIDR = "10.20.0.0/16"
GROUPS = ["mgmt", "backup", "monitor", "replica", "cluster", "extra"]


def _specs() -> list[SecurityGroupSpec]:
    return [SecurityGroupSpec(n, f"Interface group {n}",
                              ingress=[SgRule(CIDR, 9000 + i, f"Port {9000 + i} from the VPC")])
            for i, n in enumerate(GROUPS)]


def _hardened(stack: Stack, id: str, net: BestPracticeVpc, subnet: ec2.ISubnet,
              sg: ec2.ISecurityGroup) -> ec2.Instance:
    return ec2.Instance(
        stack, id, vpc=net.vpc, vpc_subnets=ec2.SubnetSelection(subnets=[subnet]),
        instance_type=ec2.InstanceType("t4g.nano"),
        machine_image=ec2.MachineImage.latest_amazon_linux2023(
            cpu_type=ec2.AmazonLinuxCpuType.ARM_64),
        security_group=sg, require_imdsv2=True, detailed_monitoring=True,
        disable_api_termination=True,
        block_devices=[ec2.BlockDevice(device_name="/dev/xvda", volume=ec2.BlockDeviceVolume.ebs(
            8, encrypted=True, volume_type=ec2.EbsDeviceVolumeType.GP3))])


@dataclass
class Built:
    stack: Stack
    net: BestPracticeVpc
    sgs: WorkloadSecurityGroups
    box: ec2.Instance
    l1: ec2.CfnInstance
    enis: dict[str, ExtraNetworkInterface]
    tpl: dict
    out: Path

    def lid(self, construct: Any) -> str:
        return self.stack.resolve(construct.logical_id)

    def props(self, construct: Any) -> dict:
        return self.tpl["Resources"][self.lid(construct)]["Properties"]

    def gid(self, name: str) -> dict:
        return {"Fn::GetAtt": [self.lid(self.sgs.cfn_groups[name]), "GroupId"]}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, cdk_context: dict) -> Built:
    out = tmp_path_factory.mktemp("eni")
    app = App(context=cdk_context, outdir=str(out))
    stack = Stack(app, "Eni")
    net = BestPracticeVpc(stack, "Network", cidr=CIDR)
    sgs = WorkloadSecurityGroups(stack, "Groups", network=net, groups=_specs())
    box = _hardened(stack, "Box", net, net.vpc.private_subnets[1], sgs.groups["mgmt"])
    fixed = str(ipaddress.ip_network(net.plan.subnet("private", 1).cidr)[10])
    # the CfnInstance branch: an L1 instance (here the L2's own, which is hardened)
    l1 = _hardened(stack, "Appliance", net, net.vpc.private_subnets[0],
                   sgs.groups["mgmt"]).node.default_child
    enis = {
        "mgmt": ExtraNetworkInterface(
            stack, "BoxMgmt", network=net, tier="private", az_index=1,
            security_groups=[sgs.groups["mgmt"], sgs.cfn_groups["backup"]], private_ip=fixed,
            instance=box, description="Management interface with a fixed address"),
        "five": ExtraNetworkInterface(
            stack, "BoxCluster", network=net, tier="private", az_index=1,
            security_groups=[sgs.groups[n] for n in GROUPS[:5]], instance=box, device_index=2,
            description="Cluster interface"),
        "l1": ExtraNetworkInterface(
            stack, "ApplianceData", network=net, tier="private", az_index=0,
            security_groups=[sgs.groups["replica"]], instance=l1, source_dest_check=False,
            description="Appliance data path"),
        "spare": ExtraNetworkInterface(
            stack, "Spare", network=net, tier="isolated", az_index=2,
            security_groups=[sgs.groups["monitor"]], description="Kept for failover"),
    }
    relay = _hardened(stack, "Relay", net, net.vpc.private_subnets[2], sgs.groups["mgmt"])
    enis["boot"] = ExtraNetworkInterface(
        stack, "RelayService", network=net, tier="private", az_index=2,
        security_groups=[sgs.groups["monitor"]], instance=relay, device_index=1,
        attach="boot", description="Service address the relay takes at boot")
    Validations.of(app).add_plugins(*compliance_plugins(app))
    app.synth()  # raises on any unacknowledged cdk-nag finding
    tpl = json.loads((out / "Eni.template.json").read_text())
    return Built(stack, net, sgs, box, l1, enis, tpl, out)


def test_interface_in_the_subnet_of_the_tier_and_az(built: Built) -> None:
    cases = {"mgmt": ("private", 1), "five": ("private", 1), "l1": ("private", 0),
             "spare": ("isolated", 2)}
    for key, (tier, az) in cases.items():
        p = built.props(built.enis[key].interface)
        assert p["SubnetId"] == {"Ref": built.lid(built.net.subnet(tier, az))}
        assert built.enis[key].plan.subnet == built.net.plan.subnet(tier, az)


def test_security_groups_fixed_ip_description_and_name(built: Built) -> None:
    p = built.props(built.enis["mgmt"].interface)
    assert p["GroupSet"] == [built.gid("mgmt"), built.gid("backup")]
    subnet = ipaddress.ip_network(built.net.plan.subnet("private", 1).cidr)
    assert p["PrivateIpAddress"] == str(subnet[10]) and ipaddress.ip_address(
        p["PrivateIpAddress"]) in subnet
    assert p["Description"] == "Management interface with a fixed address"
    assert p["SourceDestCheck"] is True
    assert {"Key": "Name", "Value": "Eni/Network/BoxMgmt"} in p["Tags"]
    five = built.props(built.enis["five"].interface)
    assert five["GroupSet"] == [built.gid(n) for n in GROUPS[:5]]
    assert "PrivateIpAddress" not in five
    assert built.props(built.enis["l1"].interface)["SourceDestCheck"] is False


def _relay(built: Built) -> tuple[str, dict]:
    (lid,) = [k for k, v in built.tpl["Resources"].items()
              if v["Type"] == "AWS::EC2::Instance" and k.startswith("Relay")]
    return lid, built.tpl["Resources"][lid]


def _user_data(instance: dict) -> str:
    parts = instance["Properties"]["UserData"]["Fn::Base64"]["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else f"<{p['Ref']}>" for p in parts)


def test_boot_attachment_user_data_policy_and_order(built: Built) -> None:
    """attach='boot': no attachment resource; the instance's user data attaches
    this interface at index 1, its role may attach only this interface and
    only to an instance with its own instance profile, and the instance is
    created after the policy (the first boot does not race IAM)."""
    _, instance = _relay(built)
    eni_lid = built.lid(built.enis["boot"].interface)
    text = _user_data(instance)
    assert f"VPC_PATTERNS_ENI=<{eni_lid}>" in text
    assert "--device-index 1" in text and "--instance-id \"$iid\"" in text
    policies = [(k, v) for k, v in built.tpl["Resources"].items()
                if v["Type"] == "AWS::IAM::ManagedPolicy" and k.startswith("RelayService")]
    ((plid, policy),) = policies
    assert plid in instance["DependsOn"]
    profile_lid = instance["Properties"]["IamInstanceProfile"]["Ref"]
    roles = built.tpl["Resources"][profile_lid]["Properties"]["Roles"]
    assert policy["Properties"]["Roles"] == roles
    stmts = {st["Sid"]: st for st in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert set(stmts) == {"AttachThisInterface", "ToItsOwnInstanceProfile", "SeeWhoHoldsIt"}
    arn_parts = stmts["AttachThisInterface"]["Resource"]["Fn::Join"][1]
    assert arn_parts[-2:] == [":network-interface/", {"Ref": eni_lid}]
    assert stmts["ToItsOwnInstanceProfile"]["Condition"] == {
        "ArnEquals": {"ec2:InstanceProfile": {"Fn::GetAtt": [profile_lid, "Arn"]}}}
    assert {s["Action"] for s in stmts.values()} == {
        "ec2:AttachNetworkInterface", "ec2:DescribeNetworkInterfaces"}


def _run_boot_script(tmp_path: Path, holders: list[str], attach_rc: int = 0):
    """The boot script with fake curl/aws/sleep/tee on PATH: ``holders`` is
    what describe-network-interfaces answers, one per call (the last repeats)."""
    import subprocess

    from vpc_patterns.build.eni import BOOT_ATTACH_SCRIPT

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "holders").write_text("\n".join(holders) + "\n")
    fakes = {
        "curl": 'case "$*" in *api/token*) echo tok;; *instance-id*) echo i-new;; '
                '*region*) echo eu-west-1;; esac',
        "aws": f'echo "$*" >> {tmp_path}/calls\n'
               'case "$*" in *describe-network-interfaces*)\n'
               f'  h=$(head -n1 {tmp_path}/holders); n=$(wc -l < {tmp_path}/holders)\n'
               f'  [ "$n" -gt 1 ] && sed -i 1d {tmp_path}/holders; echo "$h";;\n'
               f'*attach-network-interface*) exit {attach_rc};; esac',
        "sleep": "exit 0",
        "tee": "cat",
    }
    for name, body in fakes.items():
        f = bin_dir / name
        f.write_text(f"#!/bin/bash\n{body}\n")
        f.chmod(0o755)
    script = "VPC_PATTERNS_ENI=eni-0fixed\n" + BOOT_ATTACH_SCRIPT.replace("@INDEX@", "1")
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60,
                          env={"PATH": f"{bin_dir}:/usr/bin:/bin"})
    calls = (tmp_path / "calls").read_text().splitlines() if (tmp_path / "calls").exists() else []
    return proc, calls


def test_boot_script_waits_for_the_old_instance_to_let_go(tmp_path: Path) -> None:
    proc, calls = _run_boot_script(tmp_path, ["i-old", "i-old", "None"])
    assert proc.returncode == 0
    attaches = [c for c in calls if c.startswith("ec2 attach-network-interface")]
    assert attaches == ["ec2 attach-network-interface --region eu-west-1 --instance-id i-new "
                        "--network-interface-id eni-0fixed --device-index 1"]
    assert proc.stderr.count("held by i-old") == 2 and "attached at index 1 (try 3)" in proc.stderr


def test_boot_script_gives_up_loudly_after_bounded_tries(tmp_path: Path) -> None:
    proc, calls = _run_boot_script(tmp_path, ["i-old"])
    assert proc.returncode == 0  # the rest of the user data still runs
    assert len([c for c in calls if "describe-network-interfaces" in c]) == 90
    assert not [c for c in calls if c.startswith("ec2 attach-network-interface")]
    assert "gave up: eni-0fixed is not attached" in proc.stderr


def test_boot_script_already_attached_here_does_nothing(tmp_path: Path) -> None:
    proc, calls = _run_boot_script(tmp_path, ["i-new"])
    assert proc.returncode == 0 and "attached here" in proc.stderr
    assert not [c for c in calls if c.startswith("ec2 attach-network-interface")]


def test_attachments_at_secondary_indexes_kept_on_termination(built: Built) -> None:
    for key, instance, index in (("mgmt", built.box, "1"), ("five", built.box, "2"),
                                 ("l1", built.l1, "1")):
        eni = built.enis[key]
        assert eni.attachment is not None
        p = built.props(eni.attachment)
        inst = instance.node.default_child if isinstance(instance, ec2.Instance) else instance
        assert p == {"DeviceIndex": index, "DeleteOnTermination": False,
                     "InstanceId": {"Ref": built.lid(inst)},
                     "NetworkInterfaceId": {"Ref": built.lid(eni.interface)}}
    assert built.enis["spare"].attachment is None
    assert built.enis["boot"].attachment is None  # the instance attaches it itself
    attachments = [v for v in built.tpl["Resources"].values()
                   if v["Type"] == "AWS::EC2::NetworkInterfaceAttachment"]
    assert len(attachments) == 3 and all(a["Properties"]["DeviceIndex"] != "0"
                                         for a in attachments)


def test_the_primary_interface_is_untouched(built: Built) -> None:
    """The instances keep their own primary interface (no NetworkInterfaces
    override at index 0)."""
    for inst in (built.box.node.default_child, built.l1):
        assert "NetworkInterfaces" not in built.props(inst)


def test_no_nag_finding_and_cfn_lint_clean(built: Built) -> None:
    report = json.loads((built.out / "validation-report.json").read_text())
    assert report["pluginReports"] == []
    assert cfn_lint(built.out / "Eni.template.json") == []


# --------------------------------------------------------------------------
# The address rules, pure Python
# --------------------------------------------------------------------------


def test_first_and_last_usable_addresses_are_accepted() -> None:
    assert check_private_ip("10.0.1.4", "10.0.1.0/24", "x") == "10.0.1.4"
    assert check_private_ip("10.0.1.254", "10.0.1.0/24", "x") == "10.0.1.254"


@pytest.mark.parametrize("ip, what", [
    ("10.0.1.0", "the network address"), ("10.0.1.1", "the VPC router"),
    ("10.0.1.2", "the Amazon DNS server"), ("10.0.1.3", "reserved by AWS for future use"),
    ("10.0.1.255", "the broadcast address"),
])
def test_the_five_reserved_addresses_are_refused(ip: str, what: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(
            f"x: private_ip {ip} is {what} of subnet 10.0.1.0/24, one of the five addresses AWS "
            "reserves; usable: 10.0.1.4..10.0.1.254")):
        check_private_ip(ip, "10.0.1.0/24", "x")


@pytest.mark.parametrize("ip, message", [
    ("10.0.2.10", "private_ip 10.0.2.10 is outside the subnet 10.0.1.0/24 (10.0.1.0..10.0.1.255); "
     "usable: 10.0.1.4..10.0.1.254"),
    ("10.0.1.300", "private_ip '10.0.1.300' is not an IPv4 address"),
    ("fe80::1", "private_ip 'fe80::1' is not an IPv4 address"),
    (167772420, "private_ip 167772420 must be an IPv4 address as a string"),
])
def test_addresses_outside_the_subnet_or_malformed(ip: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        check_private_ip(ip, "10.0.1.0/24", "x")


# --------------------------------------------------------------------------
# ConfigError through the construct: nothing is added to the scope
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch(cdk_context: dict) -> dict[str, Any]:
    app = App(context=cdk_context)
    stack = Stack(app, "Scratch")
    net = BestPracticeVpc(stack, "Net", cidr="10.70.0.0/16", max_azs=2,
                          nat=NatProvider.single_gateway(),
                          tiers=[Tier("public", "public"), Tier("private", "private"),
                                 Tier("later", "isolated", reserved=True)])
    sgs = WorkloadSecurityGroups(stack, "Groups", network=net, groups=_specs())
    box = _hardened(stack, "Box", net, net.vpc.private_subnets[0], sgs.groups["mgmt"])
    first = str(ipaddress.ip_network(net.plan.subnet("private", 0).cidr)[20])
    ExtraNetworkInterface(stack, "Taken", network=net, tier="private", az_index=0,
                          security_groups=[sgs.groups["mgmt"]], private_ip=first, instance=box,
                          description="Holds device 1 and a fixed address")
    return {"stack": stack, "net": net, "sgs": sgs, "box": box, "first": first}


def _ok(s: dict) -> dict:
    return dict(network=s["net"], tier="private", az_index=0,
                security_groups=[s["sgs"].groups["backup"]], description="Test interface")


def _cases(s: dict) -> list[tuple[dict, str]]:
    sub = s["net"].plan.subnet("private", 0).cidr
    net = ipaddress.ip_network(sub)
    six = [s["sgs"].groups[n] for n in GROUPS]
    return [
        (dict(private_ip="10.70.250.10"),
         f"Scratch/Bad: private_ip 10.70.250.10 is outside the subnet {sub}"),
        (dict(private_ip=str(net[3])),
         f"private_ip {net[3]} is reserved by AWS for future use of subnet {sub}"),
        (dict(private_ip=str(net[-1])), f"private_ip {net[-1]} is the broadcast address of "
         f"subnet {sub}"),
        (dict(private_ip=s["first"]),
         f"private_ip {s['first']} is already the fixed address of Scratch/Taken"),
        (dict(security_groups=six), "network interface 'Scratch/Bad' would have 6 security "
         "groups; AWS allows 5 per network interface"),
        (dict(security_groups=[]), "Scratch/Bad: security_groups is empty"),
        (dict(security_groups=["default"]), "'default' is not a security group id"),
        (dict(security_groups=s["sgs"].groups["mgmt"]), "must be a list of 1 to 5 security "
         "groups"),
        (dict(instance=s["box"], device_index=0), "Scratch/Bad: device_index 0 is the instance's "
         "primary interface, which is never detached or replaced"),
        (dict(instance=s["box"], device_index=-1), "device_index -1 is negative"),
        (dict(instance=s["box"], device_index=True), "device_index True must be an integer"),
        (dict(instance=s["box"]), "Scratch/Bad: device_index 1 of this instance is already taken "
         "by Scratch/Taken"),
        (dict(instance=s["box"], az_index=1, device_index=3),
         "the instance is in subnet private-az1 (10.70.128.0/20) but the interface would be in "
         "private-az2 (10.70.144.0/20); an interface attaches only to an instance in its own "
         "AZ: use az_index 0"),
        (dict(instance="i-123"), "instance 'i-123' is not an instance id"),
        (dict(instance=object()), "is not an ec2.IInstance, an ec2.CfnInstance or an instance id"),
        (dict(tier="data"), "tier 'data' is not a tier of this VPC; tiers with subnets: public, "
         "private"),
        (dict(tier="later"), "tier 'later' is not a tier of this VPC (reserved"),
        (dict(az_index=2), "az_index 2 is not an AZ of tier 'private'; accepted: 0 (az1), 1 (az2)"),
        (dict(az_index="0"), "az_index '0' is not an AZ of tier 'private'"),
        (dict(description=""), "description '' is required"),
        (dict(description="x" * 256), "description is 256 characters; at most 255"),
        (dict(source_dest_check="no"), "source_dest_check 'no' must be True or False"),
    ]


@pytest.mark.parametrize("case", range(22))
def test_config_errors_name_the_value(scratch: dict, case: int) -> None:
    cases = _cases(scratch)
    assert len(cases) == 22
    overrides, message = cases[case]
    kwargs = _ok(scratch) | overrides
    stack = scratch["stack"]
    with pytest.raises(ConfigError, match=re.escape(message)):
        ExtraNetworkInterface(stack, "Bad", **kwargs)
    assert stack.node.try_find_child("Bad") is None


def test_a_free_index_and_address_are_accepted_after_the_errors(scratch: dict) -> None:
    s = scratch
    net = ipaddress.ip_network(s["net"].plan.subnet("private", 0).cidr)
    eni = ExtraNetworkInterface(s["stack"], "Good", **(_ok(s) | dict(
        instance=s["box"], device_index=2, private_ip=str(net[4]))))
    assert eni.plan.device_index == 2 and eni.plan.private_ip == str(net[4])


@pytest.mark.parametrize("attach, instance, message", [
    ("later", "box", "attach 'later' is not accepted; accepted: 'cloudformation', 'boot'"),
    ("boot", "l1", "attach 'boot' needs instance to be an ec2.Instance with its own role"),
    ("boot", "id", "attach 'boot' needs instance to be an ec2.Instance with its own role"),
])
def test_attach_mode_errors_name_the_option(attach: str, instance: str, message: str) -> None:
    app = App()
    stack = Stack(app, "Bad")
    net = BestPracticeVpc(stack, "Network", cidr=CIDR)
    sgs = WorkloadSecurityGroups(stack, "Groups", network=net, groups=_specs())
    box = _hardened(stack, "Box", net, net.vpc.private_subnets[0], sgs.groups["mgmt"])
    target = {"box": box, "l1": box.node.default_child, "id": "i-0123456789abcdef0"}[instance]
    with pytest.raises(ConfigError, match=re.escape(message)):
        ExtraNetworkInterface(stack, "Eni", network=net, tier="private", az_index=0,
                              security_groups=[sgs.groups["mgmt"]], instance=target,
                              attach=attach, description="x")
    assert stack.node.try_find_child("Eni") is None


def test_boot_script_is_shellcheck_clean(tmp_path: Path) -> None:
    import shutil
    import subprocess

    from vpc_patterns.build.eni import BOOT_ATTACH_SCRIPT

    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (make debian-tools installs it)")
    script = tmp_path / "boot.sh"
    script.write_text("#!/bin/bash\nVPC_PATTERNS_ENI=eni-0fixed\n"
                      + BOOT_ATTACH_SCRIPT.replace("@INDEX@", "1") + "\n")
    proc = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stdout
