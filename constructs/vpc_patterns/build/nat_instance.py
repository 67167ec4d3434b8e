"""A NAT instance that replaces itself when it fails.

The private route tables do not point at an instance (which dies with it) but
at a fixed network interface that lives in the stack, with source/destination
check off and an Elastic IP associated to it. An Auto Scaling group of exactly
one instance runs Amazon Linux 2023; at boot the instance attaches that
interface as its second one (device index 1). When the instance fails, the
group starts a new one, which takes the same interface: the routes and the
egress address follow without any change to a route table or an address.

**The datapath: in and out of the same interface.** AWS delivers the private
subnets' internet traffic to the fixed interface. On Amazon Linux 2023,
amazon-ec2-net-utils gives a secondary interface its own routing table
(10000 + device number) used only by a rule ``from <its address>``; a
forwarded packet matches no such rule, so with the stock configuration it
would leave by the primary interface, and its replies too. That path is
asymmetric: the primary interface's security group never saw the flow
(security groups track connections per interface) and drops the replies, and
the Elastic IP of the fixed interface would not be the egress address. So the
instance keeps all forwarded traffic on the fixed interface: a table of its
own (:data:`ROUTING_TABLE`) with the subnet and a default route via the VPC
router on that interface, used by ``iif <fixed interface>`` (the packets to
forward and, after conntrack has undone the masquerade, their replies) and
``from <its address>`` (its own probe); masquerade out of that interface to
its address, whose Elastic IP is the public address; forwarding from it to
any other interface dropped; loose reverse-path filtering on it (the strict
check would look the private sources up in the main table and refuse them);
no ICMP redirects (the hairpin would send them). systemd-networkd is told not
to remove rules and routes it did not make, and a timer re-applies the
(idempotent) setup every minute. The primary interface carries only the
instance's own calls (bootstrap, SSM) and keeps source/destination check on.

**Bootstrap that fails loudly.** The user data has no ``set -e``: each step
(metadata, package, interface attach, routing) retries with bounded
exponential backoff (2, 4, 8, 16, 30 ... seconds) and logs each attempt to
the console and the journal (cloud-init's output). A step that still fails
makes the instance leave: the launch lifecycle hook is completed with
ABANDON (or, once in service, the instance sets itself Unhealthy), so the
group replaces it, and CloudFormation gets a FAILURE signal with the failed
step. SUCCESS, and the lifecycle hook's CONTINUE, are sent only after a
check that the forwarding works: the interface is attached to this instance
with source/destination check off and the Elastic IP, both directions of a
forwarded flow route through it, the NAT rules are in place, and an HTTPS
request from its address gets an answer. An instance that never reports
(metadata unreachable, no credentials) is abandoned by the hook's timeout.

**Rolling out a new AMI.** The image is the CloudFormation parameter of type
``AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>`` whose default is AWS's
public "latest AL2023" SSM parameter (:data:`AL2023_PARAMETER`), resolved at
every deploy. When it resolves to a new image, the launch template gets a new
version and the group's rolling update (:data:`ROLLING_UPDATE`) replaces the
instance: the old one is terminated first (a group of one, and one interface
only one instance can hold), so that AZ has no egress for the replacement's
boot and bootstrap (typically 2-4 minutes). The groups of one VPC depend on
each other, so CloudFormation replaces one NAT at a time and stops (and rolls
back) at the first whose new instance signals failure. To choose when that
happens, deploy with the parameter set to an SSM parameter that holds a pinned
AMI id (``--parameters <parameter logical id>=/my/pinned/ami``).

Hardening: IMDSv2 only, an encrypted root volume, detailed monitoring, no SSH
key (SSM Session Manager instead), a security group admitting only the VPC's
private ranges on explicit TCP ports, and a role that may attach only this
interface and report only on its own group and stack.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import (
    ArnFormat,
    Aws,
    CfnAutoScalingRollingUpdate,
    CfnCreationPolicy,
    CfnResourceSignal,
    CfnUpdatePolicy,
    Stack,
    Tags,
    Token,
)
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from vpc_patterns.build.compliance import (
    acknowledge,
    managed_policy,
    session_manager_statements,
    suppress,
)
from vpc_patterns.plan.naming import TAG_NAT_INTERFACE
from vpc_patterns.plan.nat import nat_instance_egress_ports
from vpc_patterns.plan.security_groups import check_interface_security_groups

#: The AMI comes from AWS's public SSM parameter, resolved at deploy time, so
#: synthesis needs no lookup and a redeploy picks up the patched image (and
#: rolls it out, see :data:`ROLLING_UPDATE`).
AL2023_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}"
ROOT_VOLUME_GIB = 8
TAG_NAT = TAG_NAT_INTERFACE
#: The routing table (and rule priorities) of the forwarded traffic; below
#: amazon-ec2-net-utils' per-interface rules (10000 + device number) and main.
ROUTING_TABLE = 1100
#: The launch lifecycle hook the instance completes with CONTINUE once
#: forwarding works (ABANDON on failure; ABANDON by default after the timeout).
READY_HOOK = "vpc-patterns-nat-ready"
READY_HOOK_TIMEOUT_SECONDS = 900
#: How long CloudFormation waits for the instance's SUCCESS signal at create
#: and for each replacement of a rolling update (longer than the hook, whose
#: timeout abandons an instance that never reported).
SIGNAL_TIMEOUT = "PT20M"
#: One instance at a time, the old one terminated first: a group of one whose
#: interface only one instance can hold.
ROLLING_UPDATE = CfnAutoScalingRollingUpdate(
    max_batch_size=1, min_instances_in_service=0, pause_time=SIGNAL_TIMEOUT,
    wait_on_resource_signals=True,
)

#: Installed as /usr/local/sbin/vpc-patterns-nat and run with the fixed
#: interface's MAC address at bootstrap, at every boot and every minute.
ROUTING_SCRIPT = r"""#!/bin/bash
# vpc-patterns-nat MAC: forward and masquerade what arrives on the NAT interface
# (the one with this MAC) out of that same interface, with a routing table of
# its own so that both directions of every flow use it. Idempotent.
# Exit 0: forwarding in place and checked; 2: the interface is not up yet; 1: error.
mac=${1:?usage: vpc-patterns-nat MAC}
table=1100
say() { echo "vpc-patterns-nat: $*"; }
dev=""
for d in /sys/class/net/*; do
  if [ "$(cat "$d/address" 2>/dev/null)" = "$mac" ]; then dev=${d##*/}; fi
done
if [ -z "$dev" ]; then say "no interface with MAC $mac yet"; exit 2; fi
cidr=$(ip -4 -o addr show dev "$dev" scope global | awk '{print $4; exit}')
if [ -z "$cidr" ]; then say "$dev has no IPv4 address yet"; exit 2; fi
addr=${cidr%/*}
len=${cidr#*/}
# The VPC router is the first host of the subnet (network address + 1).
IFS=. read -r o1 o2 o3 o4 <<<"$addr"
mask=$(( (0xffffffff << (32 - len)) & 0xffffffff ))
net=$(( ((o1 << 24) | (o2 << 16) | (o3 << 8) | o4) & mask ))
dotted() { echo "$(( ($1 >> 24) & 255 )).$(( ($1 >> 16) & 255 )).$(( ($1 >> 8) & 255 )).$(( $1 & 255 ))"; }
subnet="$(dotted "$net")/$len"
gw=$(dotted $(( net + 1 )))
# Forwarding; loose reverse-path check on the NAT interface (the strict check
# looks the private source up in the main table, whose default route is the
# primary interface); no ICMP redirects for the hairpin (in and out of $dev).
sysctl -q -w net.ipv4.ip_forward=1 "net.ipv4.conf.$dev.rp_filter=2" \
  net.ipv4.conf.all.send_redirects=0 "net.ipv4.conf.$dev.send_redirects=0" || exit 1
ip route replace "$subnet" dev "$dev" src "$addr" table "$table" || exit 1
ip route replace default via "$gw" dev "$dev" src "$addr" table "$table" || exit 1
# rule PRIORITY SELECTOR...: exactly one rule at PRIORITY, SELECTOR lookup $table
rule() {
  local prio=$1 current
  shift
  current=$(ip rule show priority "$prio")
  if [ "$(printf '%s\n' "$current" | grep -c .)" = 1 ] && \
     printf '%s\n' "$current" | grep -q -- "$* lookup $table"; then
    return 0
  fi
  while ip rule del priority "$prio" 2>/dev/null; do :; done
  ip rule add priority "$prio" "$@" lookup "$table"
}
rule 1100 iif "$dev" || exit 1
rule 1101 from "$addr" || exit 1
ipt() { iptables -w 5 "$@"; }
ensure() { local t=$1; shift; ipt -t "$t" -C "$@" 2>/dev/null || ipt -t "$t" -A "$@"; }
ensure nat POSTROUTING -o "$dev" -j MASQUERADE || exit 1
ensure filter FORWARD -i "$dev" -o "$dev" -j ACCEPT || exit 1
# what came in on the NAT interface never leaves by another one (asymmetric)
ensure filter FORWARD -i "$dev" ! -o "$dev" -j DROP || exit 1
# Check: a forwarded packet and its reply both route through $dev.
for probe in "192.0.2.1 from 198.18.0.1" "198.18.0.1 from 192.0.2.1"; do
  # shellcheck disable=SC2086  # the probe is three words on purpose
  route=$(ip -4 -o route get $probe iif "$dev" 2>&1)
  case "$route" in
    *" dev $dev "*) ;;
    *) say "a forwarded packet ($probe iif $dev) would not leave by $dev: $route"; exit 1 ;;
  esac
done
if [ "$(cat /proc/sys/net/ipv4/ip_forward)" != 1 ]; then say "forwarding is off"; exit 1; fi
say "ready dev=$dev address=$addr subnet=$subnet gateway=$gw table=$table"
"""

#: The user data: ``@NAME@`` markers are filled at synthesis.
USER_DATA = r"""#!/bin/bash
# vpc_patterns NAT instance bootstrap (runs once per instance; output goes to
# the console and the journal). No `set -e`: every step retries with bounded
# backoff, and a step that still fails makes this instance leave its group
# (which replaces it) and signals FAILURE to CloudFormation. SUCCESS is sent
# only once forwarding through the fixed interface works.
export AWS_DEFAULT_REGION="@REGION@" AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=3
NAT_ENI_ID="@ENI@"
NAT_EIP="@EIP@"
STACK_NAME="@STACK@"
GROUP_LOGICAL_ID="@GROUP@"
READY_HOOK="@HOOK@"
IID=""
GROUP_NAME=""
LIFECYCLE_STATE=""

log() { echo "vpc-patterns-nat bootstrap: $*"; }

# retry NAME ATTEMPTS COMMAND...: run COMMAND until it succeeds, at most
# ATTEMPTS times, waiting 2, 4, 8, 16, then 30 seconds between attempts.
retry() {
  local name=$1 attempts=$2 n=1 delay=2
  shift 2
  until "$@"; do
    if [ "$n" -ge "$attempts" ]; then
      log "step '$name' failed after $n attempts"
      return 1
    fi
    log "step '$name' failed (attempt $n of $attempts); retrying in ${delay}s"
    sleep "$delay"
    n=$((n + 1))
    delay=$((delay * 2))
    if [ "$delay" -gt 30 ]; then delay=30; fi
  done
  log "step '$name' done"
}

signal() {
  aws cloudformation signal-resource --stack-name "$STACK_NAME" \
    --logical-resource-id "$GROUP_LOGICAL_ID" --unique-id "$IID" --status "$1" \
    || log "no CloudFormation operation is waiting for a $1 signal (or it failed)"
}

# fail REASON: leave the group (it launches a replacement) and tell CloudFormation.
fail() {
  log "BOOTSTRAP FAILED: $*"
  if [ -z "$IID" ]; then
    log "instance id unknown: the lifecycle hook's timeout abandons this instance"
    exit 1
  fi
  asg_state || true
  if [ "$LIFECYCLE_STATE" = "Pending:Wait" ]; then
    retry "abandon launch" 3 aws autoscaling complete-lifecycle-action \
      --auto-scaling-group-name "$GROUP_NAME" --lifecycle-hook-name "$READY_HOOK" \
      --instance-id "$IID" --lifecycle-action-result ABANDON
  else
    retry "mark unhealthy" 3 aws autoscaling set-instance-health \
      --instance-id "$IID" --health-status Unhealthy
  fi
  signal FAILURE
  exit 1
}

imds() {
  curl -sS -f --connect-timeout 2 --max-time 5 -H "X-aws-ec2-metadata-token: $TOKEN" \
    "http://169.254.169.254/latest/meta-data/$1"
}
metadata() {
  TOKEN=$(curl -sS -f --connect-timeout 2 --max-time 5 -X PUT \
    -H "X-aws-ec2-metadata-token-ttl-seconds: 21600" http://169.254.169.254/latest/api/token) \
    && IID=$(imds instance-id) && [ -n "$IID" ]
}
asg_state() {
  local out
  out=$(aws autoscaling describe-auto-scaling-instances --instance-ids "$IID" \
    --query 'AutoScalingInstances[0].[AutoScalingGroupName,LifecycleState]' --output text) \
    || return 1
  read -r GROUP_NAME LIFECYCLE_STATE <<<"$out"
  [ -n "$GROUP_NAME" ] && [ "$GROUP_NAME" != None ]
}
iptables_present() {
  command -v iptables >/dev/null || dnf install -y iptables-nft
}
keep_foreign_routes() {
  # systemd-networkd removes rules and routes it did not make when it
  # (re)configures a link; keep ours (the timer below also re-applies them).
  mkdir -p /etc/systemd/networkd.conf.d \
    && printf '[Network]\nManageForeignRoutingPolicyRules=no\nManageForeignRoutes=no\n' \
      > /etc/systemd/networkd.conf.d/90-vpc-patterns-nat.conf \
    && systemctl try-restart systemd-networkd
}
describe_eni() {
  local out
  out=$(aws ec2 describe-network-interfaces --network-interface-ids "$NAT_ENI_ID" \
    --query 'NetworkInterfaces[0].[Status,Attachment.InstanceId,Attachment.AttachmentId,Attachment.Status,MacAddress,SourceDestCheck,Association.PublicIp]' \
    --output text) || return 1
  read -r ENI_STATUS ENI_HOLDER ENI_ATTACHMENT ENI_ATTACHMENT_STATUS NAT_MAC ENI_SDC ENI_PUBLIC_IP <<<"$out"
  [ -n "$NAT_MAC" ] && [ "$NAT_MAC" != None ]
}
# One attempt to hold the fixed interface; true once it is attached here.
attach_eni() {
  describe_eni || return 1
  if [ "$ENI_HOLDER" = "$IID" ]; then
    [ "$ENI_ATTACHMENT_STATUS" = attached ]
    return
  fi
  if [ "$ENI_HOLDER" != None ]; then
    log "the interface is attached to $ENI_HOLDER ($ENI_ATTACHMENT_STATUS); detaching it"
    aws ec2 detach-network-interface --attachment-id "$ENI_ATTACHMENT" --force
    return 1
  fi
  if [ "$ENI_STATUS" != available ]; then
    log "the interface is $ENI_STATUS; waiting"
    return 1
  fi
  aws ec2 attach-network-interface --network-interface-id "$NAT_ENI_ID" \
    --instance-id "$IID" --device-index 1 >/dev/null || return 1
  describe_eni && [ "$ENI_HOLDER" = "$IID" ] && [ "$ENI_ATTACHMENT_STATUS" = attached ]
}
install_routing() {
  mkdir -p /usr/local/sbin /etc/systemd/system || return 1
  cat > /usr/local/sbin/vpc-patterns-nat <<'VPC_PATTERNS_NAT_ROUTING' || return 1
@ROUTING@VPC_PATTERNS_NAT_ROUTING
  chmod 0755 /usr/local/sbin/vpc-patterns-nat || return 1
  cat > /etc/systemd/system/vpc-patterns-nat.service <<UNIT || return 1
[Unit]
Description=vpc_patterns NAT: forwarding and symmetric routing through $NAT_ENI_ID
After=network-online.target
Wants=network-online.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/vpc-patterns-nat $NAT_MAC
StandardOutput=journal+console
[Install]
WantedBy=multi-user.target
UNIT
  cat > /etc/systemd/system/vpc-patterns-nat.timer <<'UNIT' || return 1
[Unit]
Description=vpc_patterns NAT: re-apply forwarding and routing every minute
[Timer]
OnBootSec=1min
OnUnitActiveSec=1min
[Install]
WantedBy=timers.target
UNIT
  systemctl daemon-reload && systemctl enable vpc-patterns-nat.service vpc-patterns-nat.timer \
    && systemctl start vpc-patterns-nat.timer
}
apply_routing() {
  ROUTING_OUT=$(/usr/local/sbin/vpc-patterns-nat "$NAT_MAC" 2>&1)
  local rc=$?
  printf '%s\n' "$ROUTING_OUT"
  return $rc
}
# Forwarding works: interface attached here, source/dest check off, the Elastic
# IP on it, and an HTTPS request from its address (the egress path) answered.
verify() {
  local addr
  addr=$(printf '%s\n' "$ROUTING_OUT" | sed -n 's/.*ready dev=[^ ]* address=\([^ ]*\).*/\1/p')
  describe_eni || return 1
  if [ "$ENI_HOLDER" != "$IID" ] || [ "$ENI_ATTACHMENT_STATUS" != attached ]; then
    log "the interface is not attached here ($ENI_HOLDER, $ENI_ATTACHMENT_STATUS)"
    return 1
  fi
  if [ "$ENI_SDC" != False ]; then log "source/dest check is on"; return 1; fi
  if [ "$ENI_PUBLIC_IP" != "$NAT_EIP" ]; then
    log "the interface's public address is $ENI_PUBLIC_IP, not the Elastic IP $NAT_EIP"
    return 1
  fi
  [ -n "$addr" ] && curl -sS -o /dev/null --max-time 10 --interface "$addr" \
    "https://ec2.$AWS_DEFAULT_REGION.amazonaws.com/"
}

log "starting: fixed interface $NAT_ENI_ID, Elastic IP $NAT_EIP"
retry "instance metadata" 6 metadata || fail "instance metadata unreachable"
retry "Auto Scaling group" 6 asg_state || fail "cannot read this instance's Auto Scaling state"
retry "iptables" 5 iptables_present || fail "iptables cannot be installed"
retry "networkd keeps our routes" 3 keep_foreign_routes || fail "cannot configure systemd-networkd"
retry "attach $NAT_ENI_ID" 12 attach_eni || fail "cannot attach $NAT_ENI_ID"
retry "install routing" 3 install_routing || fail "cannot install the routing script and units"
retry "routing" 10 apply_routing || fail "forwarding through the fixed interface is not in place"
retry "forwarding check" 5 verify || fail "forwarding check failed"
if [ "$LIFECYCLE_STATE" = "Pending:Wait" ]; then
  retry "complete launch" 5 aws autoscaling complete-lifecycle-action \
    --auto-scaling-group-name "$GROUP_NAME" --lifecycle-hook-name "$READY_HOOK" \
    --instance-id "$IID" --lifecycle-action-result CONTINUE \
    || fail "cannot complete the launch lifecycle action"
fi
signal SUCCESS
log "NAT ready: forwarding through $NAT_ENI_ID, egress address $NAT_EIP"
"""


def render_user_data(*, eni: str, eip: str, region: str, stack: str, group: str) -> str:
    """The bootstrap script with its values filled in (tokens allowed)."""
    values = {"@ENI@": eni, "@EIP@": eip, "@REGION@": region, "@STACK@": stack,
              "@GROUP@": group, "@HOOK@": READY_HOOK, "@ROUTING@": ROUTING_SCRIPT}
    text = USER_DATA
    for marker, value in values.items():
        text = text.replace(marker, value)
    return text


class SelfHealingNatInstance(Construct):
    """One NAT instance (an Auto Scaling group of one) behind a fixed ENI
    that holds an Elastic IP (see the module documentation for the datapath,
    the bootstrap's health signal and the AMI rollout).

    Args:
        subnet_id: the public subnet of the interface and the instance.
        security_group: the group of both interfaces (:meth:`security_group`).
        instance_type: EC2 instance type (arm64 or x86_64 AL2023 by type).
        name: the ``Name`` and NAT tag of its resources.
        address_id: construct id of the Elastic IP under this construct.
            Default: ``"Eip"``. ``BestPracticeVpc`` passes an id that changes
            whenever the interface would be replaced (its subnet's identity),
            so that a replaced interface gets a new Elastic IP instead of one
            the old interface still holds.
    """

    @staticmethod
    def security_group(scope: Construct, id: str, *, vpc_id: str,
                       private_ranges: Sequence[str], ports: Sequence[int]) -> ec2.CfnSecurityGroup:
        """The NAT instances' security group: in from the private ranges on the
        given TCP ports only; out to the internet on the same ports, and on
        443 for the instance's own calls (AWS APIs, package repository)."""
        ingress = [
            ec2.CfnSecurityGroup.IngressProperty(
                ip_protocol="tcp", from_port=p, to_port=p, cidr_ip=rng,
                description=f"TCP {p} from private range {rng} to be NATed",
            )
            for rng in private_ranges for p in ports
        ]
        egress = [
            ec2.CfnSecurityGroup.EgressProperty(
                ip_protocol="tcp", from_port=p, to_port=p, cidr_ip="0.0.0.0/0",
                description=(f"NATed TCP {p} to the internet" if p in ports else
                             f"TCP {p}: the instance's own AWS API and package calls"),
            )
            for p in nat_instance_egress_ports(ports)
        ]
        sg = ec2.CfnSecurityGroup(
            scope, id,
            group_description="NAT instances: forward private-range traffic on explicit ports",
            vpc_id=vpc_id,
            security_group_ingress=ingress,
            security_group_egress=egress,
        )
        return sg

    def __init__(self, scope: Construct, id: str, *, subnet_id: str,
                 security_group: ec2.CfnSecurityGroup, instance_type: str, name: str,
                 address_id: str = "Eip") -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        itype = ec2.InstanceType(instance_type)
        arch = "arm64" if itype.architecture == ec2.InstanceArchitecture.ARM_64 else "x86_64"

        # One group today; the check guards any later addition (AWS allows 5 per interface).
        check_interface_security_groups([security_group], f"{self.node.path}/Interface")
        check_interface_security_groups([security_group], f"{self.node.path}/LaunchTemplate")
        self.network_interface = ec2.CfnNetworkInterface(
            self, "Interface",
            subnet_id=subnet_id,
            group_set=[security_group.attr_group_id],
            source_dest_check=False,
            description=f"Fixed NAT interface of {name}; private routes point here",
        )
        Tags.of(self.network_interface).add("Name", name)
        Tags.of(self.network_interface).add(TAG_NAT, name)
        # The egress address: on the interface, so it follows every replacement
        # instance with no API call and no permission to move addresses.
        self.elastic_ip = ec2.CfnEIP(self, address_id, domain="vpc")
        Tags.of(self.elastic_ip).add("Name", name)
        self.elastic_ip_association = ec2.CfnEIPAssociation(
            self, "EipAssociation",
            allocation_id=self.elastic_ip.attr_allocation_id,
            network_interface_id=self.network_interface.ref,
        )

        self.role = iam.Role(
            self, "Role",
            description=f"NAT instance {name}: attach its fixed interface; SSM sessions",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
        )
        self.policy = managed_policy(
            self, "Policy", role=self.role,
            description=f"NAT instance {name}: attach its fixed interface; SSM sessions",
            statements=self._statements(stack, name),
        )

        # The group first: the user data names it (its logical id, for the signal).
        self.auto_scaling_group = autoscaling.CfnAutoScalingGroup(
            self, "Group",
            min_size="1",
            max_size="1",
            desired_capacity="1",
            vpc_zone_identifier=[subnet_id],
            health_check_type="EC2",
            health_check_grace_period=120,
            lifecycle_hook_specification_list=[
                autoscaling.CfnAutoScalingGroup.LifecycleHookSpecificationProperty(
                    lifecycle_hook_name=READY_HOOK,
                    lifecycle_transition="autoscaling:EC2_INSTANCE_LAUNCHING",
                    heartbeat_timeout=READY_HOOK_TIMEOUT_SECONDS,
                    default_result="ABANDON",
                ),
            ],
            tags=[
                autoscaling.CfnAutoScalingGroup.TagPropertyProperty(
                    key="Name", value=name, propagate_at_launch=True),
                autoscaling.CfnAutoScalingGroup.TagPropertyProperty(
                    key=TAG_NAT, value=name, propagate_at_launch=True),
            ],
        )
        # its own Name wins over the VPC's fallback name (and reaches the instance)
        Tags.of(self.auto_scaling_group).add("Name", name)
        self.auto_scaling_group.cfn_options.creation_policy = CfnCreationPolicy(
            resource_signal=CfnResourceSignal(count=1, timeout=SIGNAL_TIMEOUT))
        self.auto_scaling_group.cfn_options.update_policy = CfnUpdatePolicy(
            auto_scaling_rolling_update=ROLLING_UPDATE)

        user_data = ec2.UserData.custom(render_user_data(
            eni=self.network_interface.ref, eip=self.elastic_ip.ref, region=Aws.REGION,
            stack=Aws.STACK_NAME, group=self.auto_scaling_group.logical_id,
        ))
        machine_image = ec2.MachineImage.from_ssm_parameter(
            AL2023_PARAMETER.format(arch=arch), os=ec2.OperatingSystemType.LINUX,
        )
        sg_ref = ec2.SecurityGroup.from_security_group_id(
            self, "SecurityGroupRef", security_group.attr_group_id, mutable=False
        )
        self.launch_template = ec2.LaunchTemplate(
            self, "LaunchTemplate",
            instance_type=itype,
            machine_image=machine_image,
            user_data=user_data,
            role=self.role,
            security_group=sg_ref,
            require_imdsv2=True,
            http_put_response_hop_limit=1,
            detailed_monitoring=True,
            # the primary interface's own address: the bootstrap's calls before
            # the fixed interface is attached (forwarded traffic never uses it)
            associate_public_ip_address=True,
            ebs_optimized=None,
            block_devices=[
                ec2.BlockDevice(
                    device_name="/dev/xvda",
                    volume=ec2.BlockDeviceVolume.ebs(
                        ROOT_VOLUME_GIB, encrypted=True, volume_type=ec2.EbsDeviceVolumeType.GP3,
                        delete_on_termination=True,
                    ),
                )
            ],
        )
        self.auto_scaling_group.launch_template = (
            autoscaling.CfnAutoScalingGroup.LaunchTemplateSpecificationProperty(
                launch_template_id=self.launch_template.launch_template_id,
                version=self.launch_template.latest_version_number,
            ))
        # The first boot calls the APIs at once: the policy must exist first
        # (a role without it would make the bootstrap fail), and the interface
        # must carry its Elastic IP before the instance checks it.
        self.launch_template.node.add_dependency(self.policy)
        self.auto_scaling_group.node.add_dependency(self.policy)
        self.auto_scaling_group.node.add_dependency(self.network_interface)
        self.auto_scaling_group.node.add_dependency(self.elastic_ip_association)
        self._acknowledge_findings()

    def _statements(self, stack: Stack, name: str) -> list[iam.PolicyStatement]:
        eni_arn = stack.format_arn(service="ec2", resource="network-interface",
                                   resource_name=self.network_interface.ref)
        instance_arn = stack.format_arn(service="ec2", resource="instance", resource_name="*")
        tagged = {"StringEquals": {f"aws:ResourceTag/{TAG_NAT}": name}}
        return [iam.PolicyStatement(
            sid="AttachTheFixedInterface",
            actions=["ec2:AttachNetworkInterface", "ec2:DetachNetworkInterface"],
            resources=[eni_arn, instance_arn],
            conditions=tagged,
        ), iam.PolicyStatement(
            sid="FindTheInterfaceAndTheGroup",
            actions=["ec2:DescribeNetworkInterfaces", "autoscaling:DescribeAutoScalingInstances"],
            resources=["*"],
        ), iam.PolicyStatement(
            sid="ReportToTheOwnGroup",
            actions=["autoscaling:CompleteLifecycleAction", "autoscaling:SetInstanceHealth"],
            resources=[self._group_arn(stack)],
            conditions=tagged,
        ), iam.PolicyStatement(
            sid="SignalTheStack",
            actions=["cloudformation:SignalResource"],
            resources=[Aws.STACK_ID],
        # SSM Session Manager instead of SSH: what the agent needs.
        ), *session_manager_statements(self)]

    @staticmethod
    def _group_arn(stack: Stack) -> str:
        # the group's name is unknown here (the group depends on this policy)
        return stack.format_arn(service="autoscaling", resource="autoScalingGroup",
                                resource_name="*:autoScalingGroupName/*",
                                arn_format=ArnFormat.COLON_RESOURCE_NAME)

    def _acknowledge_findings(self) -> None:
        suppress(
            self.launch_template,
            "A NAT instance's primary interface needs a public address: the bootstrap calls "
            "AWS APIs through it before the fixed interface with the Elastic IP is attached; "
            "its security group admits nothing from the internet.",
            checkov=["CKV_AWS_88"], guard=["CT.EC2.PR.9"])
        suppress(
            self.auto_scaling_group,
            "One NAT instance per AZ by design: its routes and fixed interface belong to this "
            "AZ's public subnet, a replacement in another AZ would carry cross-AZ traffic, and "
            "each other AZ has its own group.",
            guard=["CT.AUTOSCALING.PR.1"])
        suppress(
            self.auto_scaling_group,
            "A single NAT instance whose configured type sets the NAT's bandwidth, its "
            "architecture's AMI and the cost report's price; a fallback type would change "
            "them silently.",
            guard=["CT.AUTOSCALING.PR.6"])
        acknowledge(
            self.auto_scaling_group, "AwsSolutions-AS3",
            "The group holds exactly one NAT instance (min = max = 1) and never scales; its "
            "only activity is replacing a failed instance, which is the self-healing path and "
            "is recorded in the group's activity history.",
        )
        # cdk-nag names the finding by the resolved ARN: placeholders for an
        # environment-agnostic stack, literals for a pinned one.
        stack = Stack.of(self)

        def part(value: str, placeholder: str) -> str:
            return placeholder if Token.is_unresolved(value) else value

        prefix = (f"arn:{part(stack.partition, '<AWS::Partition>')}:{{service}}:"
                  f"{part(stack.region, '<AWS::Region>')}:"
                  f"{part(stack.account, '<AWS::AccountId>')}:")
        acknowledge(
            self.policy,
            f"AwsSolutions-IAM5[Resource::{prefix.format(service='ec2')}instance/*]",
            "The replacement instance's id is unknown until it launches; attach/detach is "
            "limited by an aws:ResourceTag condition to instances carrying this NAT's tag, and "
            "the SSM agent's registration to EC2 instances of this account and region.",
        )
        acknowledge(
            self.policy,
            f"AwsSolutions-IAM5[Resource::{prefix.format(service='autoscaling')}"
            "autoScalingGroup:*:autoScalingGroupName/*]",
            "The group's name cannot be named here (the group depends on this policy, so "
            "that the first boot has its permissions); limited by an aws:ResourceTag "
            "condition to the group carrying this NAT's tag.",
        )
        acknowledge(
            self.policy, "AwsSolutions-IAM5[Resource::*]",
            "ec2:DescribeNetworkInterfaces, autoscaling:DescribeAutoScalingInstances and the "
            "SSM agent's session actions support no resource-level permissions; attach/detach "
            "and the group's lifecycle and health calls are scoped to this NAT's tag.",
        )
