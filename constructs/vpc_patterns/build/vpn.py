"""Site-to-site VPN: the CDK skin over a :class:`~vpc_patterns.plan.vpn.VpnPlan`.

Every input is checked by :func:`~vpc_patterns.plan.vpn.plan_vpn` (pure
Python) before the first resource exists; this module only builds:

* :class:`VirtualPrivateGateway`: ``AWS::EC2::VPNGateway`` (Amazon-side ASN),
  its ``AWS::EC2::VPCGatewayAttachment``, and one
  ``AWS::EC2::VPNGatewayRoutePropagation`` on the route tables of the chosen
  tiers (private and isolated by default), created after the attachment. A
  Direct Connect association (:mod:`vpc_patterns.build.direct_connect`) uses the
  same gateway.
* :class:`SiteToSiteVpn`: ``AWS::EC2::CustomerGateway``, the
  ``AWS::EC2::VPNConnection`` with both tunnels' options, one
  ``AWS::EC2::VPNConnectionRoute`` per on-premises CIDR (static routing) or
  ``StaticRoutesOnly: false`` (BGP), the pre-shared keys, two alarms and the
  outputs the operator's tool reads.

Pre-shared keys
---------------
The template never holds a key: each tunnel's ``PreSharedKey`` is a
CloudFormation dynamic reference
``{{resolve:secretsmanager:<secret arn>:SecretString:tunnel1::}}`` that
CloudFormation resolves at deploy time. Given ``psk_secret``, both tunnels read
their key from that secret (JSON keys ``tunnel1`` and ``tunnel2``, values of
8..64 letters, digits, ``.`` or ``_``, not starting with ``0``, as AWS
requires). Otherwise the construct creates **one secret per tunnel**,
encrypted with its own KMS key (rotation on): CloudFormation's
``GenerateSecretString`` generates a single value per secret, and the only
alternative, a Lambda function writing both keys into one secret, would be
code running with write access to the keys. The generator leaves out
punctuation and the digit ``0``, so a key can never start with ``0``.
CloudFormation reads a dynamic reference only when the resource is updated:
after changing a key in Secrets Manager, apply it with
``aws ec2 modify-vpn-tunnel-options`` (and on the device) in the same window.

Alarms: why per connection, not per tunnel
------------------------------------------
``AWS/VPN`` publishes ``TunnelState`` per tunnel (dimension
``TunnelIpAddress``, the tunnel's outside address) and per connection
(dimension ``VpnId``, the fraction of tunnels up: 0, 0.5 or 1).
CloudFormation exposes neither outside address (no ``Fn::GetAtt``), so a
per-tunnel alarm would need a custom resource calling
``DescribeVpnConnections`` at deploy time, and would silently watch a stale
address after AWS replaces a tunnel endpoint. The two alarms here use the
``VpnId`` dimension, which needs no lookup and survives endpoint
replacement:

* ``TunnelDown``: ``Minimum < 1`` in a period: at least one tunnel was down,
  so the connection runs without redundancy (a failover happened, or the
  device never brought the second tunnel up). Which tunnel: the console or
  ``aws ec2 describe-vpn-connections`` (``VgwTelemetry``).
* ``BothTunnelsDown``: ``Maximum < 0.5`` in a period: no tunnel was up at any
  time of the period, i.e. the on-premises network is unreachable. (``Maximum
  < 1`` would only say "never fully redundant", since the per-connection value
  of one tunnel up is 0.5.) Missing data counts as down.

Both notify a topic (the user's, or one made here: KMS-encrypted with its own
rotated key, TLS-only, publishable only by this account's alarms, as
:class:`~vpc_patterns.build.monitoring.NetworkMonitoring` does) on ALARM and OK.

The module runs just past 500 lines: the constructs document every option with
its default and the reason for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_cdk import Annotations, CfnOutput, Duration, RemovalPolicy, Stack, Tags, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from constructs import Construct

from vpc_patterns.build.compliance import acknowledge
from vpc_patterns.build.keys import customer_key, encrypted_alarm_topic
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.naming import METADATA_KEY
from vpc_patterns.plan.network import VpcPlan
from vpc_patterns.plan.vpn import (
    DEFAULT_AMAZON_SIDE_ASN,
    DEFAULT_CUSTOMER_BGP_ASN,
    PSK_SECRET_KEYS,
    TunnelOptions,
    VpnPlan,
    parse_amazon_asn,
    parse_static_routes,
    plan_vpn,
    propagation_route_tables,
)

if TYPE_CHECKING:  # pragma: no cover
    from vpc_patterns.build.vpc import BestPracticeVpc

#: The only VPN type AWS offers.
VPN_TYPE = "ipsec.1"
VPN_NAMESPACE = "AWS/VPN"
TUNNEL_STATE_METRIC = "TunnelState"
VPN_DIMENSION = "VpnId"
#: AWS/VPN data arrives at most every few minutes: a 5-minute period never
#: sees an empty period while the connection exists.
ALARM_PERIOD_SECONDS = 300
#: One period: losing redundancy is worth knowing at once (it is also what an
#: AWS endpoint replacement looks like, one tunnel at a time).
ALARM_EVALUATION_PERIODS = 1
#: Minimum below 1: some tunnel was down during the period.
TUNNEL_DOWN_THRESHOLD = 1.0
#: Maximum below 0.5: no tunnel was up at any time of the period.
BOTH_DOWN_THRESHOLD = 0.5
#: Length of a generated pre-shared key: 32 characters of 61 (letters and
#: digits without 0) are ~190 bits, and fit every vendor's PSK field.
PSK_LENGTH = 32
#: The pre-shared keys' secret(s) cannot be rotated by Secrets Manager alone
#: (see _ROTATION_REASON); the packs that raise the finding.
_ROTATION_RULES = ("AwsSolutions-SMG4", "NIST.800.53.R5-SecretsManagerRotationEnabled",
                   "HIPAA.Security-SecretsManagerRotationEnabled")
_ROTATION_REASON = (
    "A VPN tunnel pre-shared key cannot be rotated by a Secrets Manager rotation function alone: "
    "the new key must be set on the AWS tunnel (ModifyVpnTunnelOptions, which restarts it) and on "
    "the on-premises device in the same change window, one tunnel at a time, so the connection "
    "never loses both tunnels. Rotation is an operator procedure (README), not a schedule.")
#: Output names (each prefixed with the construct's output prefix); the
#: operator's tool (vpc_patterns.cli.vpn_config) reads them.
OUTPUT_NAMES = (
    "VpnConnectionId", "VpnGatewayId", "CustomerGatewayId", "CustomerGatewayIp", "CustomerBgpAsn",
    "AmazonSideAsn", "Routing", "StaticRoutes", "VpcCidr", "Tunnel1InsideCidr", "Tunnel2InsideCidr",
    "Tunnel1PskSecretArn", "Tunnel2PskSecretArn", "TunnelOptions",
)


def _network_plan(network: object) -> VpcPlan:
    plan = getattr(network, "plan", None)
    if not isinstance(plan, VpcPlan) or not hasattr(network, "route_tables"):
        raise ConfigError(f"network {network!r} is not a BestPracticeVpc (it has no plan)")
    return plan


def _check_no_gateway_yet(network: BestPracticeVpc) -> None:
    for other in Stack.of(network).node.find_all():
        if isinstance(other, VirtualPrivateGateway) and other.network is network:
            raise ConfigError(
                f"network {network.node.path} already has virtual private gateway "
                f"{other.node.path}; a VPC takes one: pass it as virtual_private_gateway")


def _check_removal(value: object) -> RemovalPolicy:
    if not isinstance(value, RemovalPolicy):
        raise ConfigError(f"removal_policy {value!r} must be an aws_cdk.RemovalPolicy")
    return value


class VirtualPrivateGateway(Construct):
    """A virtual private gateway attached to the network, propagating its
    routes (VPN static routes, routes learned over BGP or Direct Connect) into
    the route tables of ``propagate_to_tiers`` (default: every private and
    isolated tier; public tiers reach the internet, not the company network).

    Attributes: ``resource`` (CfnVPNGateway), ``gateway_id``, ``attachment``,
    ``propagation`` (None when no tier is chosen), ``route_table_ids``
    (construct ids of the plan's route tables), ``amazon_side_asn``,
    ``network``, ``inside_cidrs`` (tunnel inside CIDR -> the VPN using it:
    AWS wants them unique across the VPN connections of one gateway).
    """

    def __init__(self, scope: Construct, id: str, *, network: BestPracticeVpc,
                 amazon_side_asn: int = DEFAULT_AMAZON_SIDE_ASN,
                 propagate_to_tiers: Sequence[str] | None = None) -> None:
        plan = _network_plan(network)
        asn = parse_amazon_asn(amazon_side_asn)
        tables = propagation_route_tables(plan, propagate_to_tiers)
        _check_no_gateway_yet(network)
        super().__init__(scope, id)
        self.network = network
        self.amazon_side_asn = asn
        self.route_table_ids = tables
        self.inside_cidrs: dict[str, str] = {}
        self.resource = ec2.CfnVPNGateway(self, "Resource", type=VPN_TYPE, amazon_side_asn=asn)
        Tags.of(self.resource).add("Name", f"{network._name}/vgw")
        self.attachment = ec2.CfnVPCGatewayAttachment(
            self, "Attachment", vpc_id=network.cfn_vpc.ref, vpn_gateway_id=self.resource.ref)
        self.propagation: ec2.CfnVPNGatewayRoutePropagation | None = None
        if tables:
            self.propagation = ec2.CfnVPNGatewayRoutePropagation(
                self, "RoutePropagation",
                vpn_gateway_id=self.resource.ref,
                route_table_ids=[network.route_tables[t].ref for t in tables],
            )
            # Propagation needs the gateway attached to the table's VPC.
            self.propagation.node.add_dependency(self.attachment)

    @property
    def gateway_id(self) -> str:
        return self.resource.ref


class SiteToSiteVpn(Construct):
    """An IPsec VPN from the network to one on-premises device.

    Args:
        network: the :class:`~vpc_patterns.BestPracticeVpc`.
        customer_gateway_ip: public IPv4 address of the device (or of the NAT
            in front of it); private and reserved ranges are refused,
            documentation addresses accepted for examples.
        customer_bgp_asn: the device's ASN, 1..2147483647. Default: ``65000``
            (:data:`DEFAULT_CUSTOMER_BGP_ASN`): the first private 16-bit ASN,
            customary when the on-premises network has no public ASN.
        amazon_side_asn: the gateway's ASN, 64512..65534 or
            4200000000..4294967294. Not with ``virtual_private_gateway``.
            Default: ``None``: 64512 (:data:`DEFAULT_AMAZON_SIDE_ASN`), AWS's
            own default.
        routing: ``"static"`` (``static_routes`` lists the on-premises CIDRs)
            or ``"bgp"``. Default: ``"static"``: works with any device; BGP
            needs a device that speaks it.
        static_routes: on-premises CIDRs; must not overlap the VPC. Default:
            ``()``: the on-premises networks cannot be guessed, so static
            routing (the default) needs at least one; ``"bgp"`` takes none.
        announced_routes: BGP only: the on-premises CIDRs the device announces,
            recorded on the connection (``Metadata vpc_patterns.learned_routes``)
            so that ``verify`` knows the routes the gateway propagates. Default:
            ``()``: undeclared, so ``verify`` reports what the BGP-learned
            routes would do (a default route from on-premises, say) as
            unknown, which fails unless ``--lenient``.
        tunnels: two :class:`~vpc_patterns.TunnelOptions`. Default: ``None``:
            two ``TunnelOptions()`` with inside CIDRs 169.254.10.0/30 and
            169.254.10.4/30 (static) or 169.254.10.8/30 and 169.254.10.12/30
            (BGP) (:data:`DEFAULT_INSIDE_CIDRS_BY_ROUTING`): explicit inside
            addresses let the on-premises configuration be rendered from the
            stack outputs, and a pair per routing mode lets a change of mode
            (which replaces the connection, the new one first) succeed.
        psk_secret: a secret holding the keys as JSON ``tunnel1`` and
            ``tunnel2``. Default: ``None``: one generated secret per tunnel,
            KMS-encrypted, so no key is ever in the template.
        propagate_to_tiers: tier names whose route tables learn the on-premises
            routes. Not with ``virtual_private_gateway``. Default: ``None``:
            every private and isolated tier, where the workloads and data that
            on-premises systems use live.
        alarm_topic: an ``sns.ITopic`` for the tunnel alarms. Default: ``None``:
            an encrypted, TLS-only topic made here, so the alarms notify
            somewhere safe from the first deploy.
        alarms: build the two TunnelState alarms (one tunnel down, both down).
            Default: ``True``: a lost tunnel means lost redundancy, and nobody
            notices it otherwise.
        virtual_private_gateway: reuse a :class:`VirtualPrivateGateway` (a VPC
            takes one gateway; e.g. a second VPN to another device). Default:
            ``None``: a gateway is made and attached here.
        removal_policy: of the keys and secrets made here. Default:
            ``RemovalPolicy.RETAIN``: deleting them would lose the tunnels'
            keys with no way back.
        output_prefix: prefix of the stack outputs' keys. Default: ``None``: the
            construct id, letters and digits only, unique in the stack.

    Attributes: ``plan`` (:class:`VpnPlan`), ``gateway``, ``customer_gateway``,
    ``connection``, ``routes`` (CIDR -> CfnVPNConnectionRoute),
    ``psk_secrets`` (tunnel 1, tunnel 2), ``psk_key`` (None when the secret
    was given), ``alarms`` (name -> Alarm), ``topic``, ``topic_key``,
    ``output_keys`` (name -> output key).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        network: BestPracticeVpc,
        customer_gateway_ip: str,
        customer_bgp_asn: int = DEFAULT_CUSTOMER_BGP_ASN,
        amazon_side_asn: int | None = None,
        routing: str = "static",
        static_routes: Sequence[str] = (),
        announced_routes: Sequence[str] = (),
        tunnels: Sequence[TunnelOptions] | None = None,
        psk_secret: secretsmanager.ISecret | None = None,
        propagate_to_tiers: Sequence[str] | None = None,
        alarm_topic: sns.ITopic | None = None,
        alarms: bool = True,
        virtual_private_gateway: VirtualPrivateGateway | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        output_prefix: str | None = None,
    ) -> None:
        # ---- validate everything before the first resource exists ----------
        vpc_plan = _network_plan(network)
        if virtual_private_gateway is not None:
            if not isinstance(virtual_private_gateway, VirtualPrivateGateway):
                raise ConfigError(f"virtual_private_gateway {virtual_private_gateway!r} must be "
                                  "a vpc_patterns.VirtualPrivateGateway")
            if virtual_private_gateway.network is not network:
                raise ConfigError(f"virtual_private_gateway {virtual_private_gateway.node.path} "
                                  f"is attached to another network than {network.node.path}")
            for name, value in (("amazon_side_asn", amazon_side_asn),
                                ("propagate_to_tiers", propagate_to_tiers)):
                if value is not None:
                    raise ConfigError(f"{name} {value!r} is given with virtual_private_gateway; "
                                      "set it on the VirtualPrivateGateway")
            amazon_asn = virtual_private_gateway.amazon_side_asn
            shared_cidrs = virtual_private_gateway.inside_cidrs
        else:
            shared_cidrs = {}
            amazon_asn = DEFAULT_AMAZON_SIDE_ASN if amazon_side_asn is None else amazon_side_asn
        region = Stack.of(scope).region
        plan = plan_vpn(
            vpc_plan.cidr,
            customer_gateway_ip=customer_gateway_ip,
            customer_bgp_asn=customer_bgp_asn,
            amazon_side_asn=amazon_asn,
            routing=routing,
            static_routes=static_routes,
            tunnels=tunnels,
            region=None if Token.is_unresolved(region) else region,
        )
        announced = parse_static_routes(announced_routes, vpc_plan.cidr, "announced_routes")
        if announced and plan.routing != "bgp":
            raise ConfigError(f"announced_routes {list(announced)!r} are given with routing "
                              f"{plan.routing!r}; they declare what a BGP device announces: "
                              "use static_routes, or routing='bgp'")
        for t in plan.tunnels:
            if t.inside_cidr in shared_cidrs:
                raise ConfigError(
                    f"inside_cidr {t.inside_cidr!r} is already used by VPN "
                    f"{shared_cidrs[t.inside_cidr]} on the same virtual private gateway; AWS "
                    "wants inside CIDRs unique across a gateway's VPN connections")
        if virtual_private_gateway is None:
            parse_amazon_asn(amazon_asn)
            propagation_route_tables(vpc_plan, propagate_to_tiers)
            _check_no_gateway_yet(network)
        if psk_secret is not None and not hasattr(psk_secret, "secret_value_from_json"):
            raise ConfigError(f"psk_secret {psk_secret!r} is not a secretsmanager.ISecret")
        if not isinstance(alarms, bool):
            raise ConfigError(f"alarms {alarms!r} must be True or False")
        if alarm_topic is not None and (not alarms or not hasattr(alarm_topic, "topic_arn")):
            raise ConfigError(f"alarm_topic {alarm_topic!r} must be an sns.ITopic, and needs "
                              "alarms=True")
        _check_removal(removal_policy)
        prefix = re.sub(r"[^A-Za-z0-9]", "", id) if output_prefix is None else output_prefix
        if not isinstance(prefix, str) or not re.match(r"^[A-Za-z][A-Za-z0-9]{0,63}\Z", prefix):
            raise ConfigError(f"output_prefix {prefix!r} must be a letter then up to 63 letters "
                              "or digits (it prefixes CloudFormation output keys)")

        super().__init__(scope, id)
        self.plan: VpnPlan = plan
        self.network = network
        name = f"{network._name}/{id}"
        Tags.of(self).add("Name", name, priority=50)

        self.gateway = virtual_private_gateway or VirtualPrivateGateway(
            self, "Gateway", network=network, amazon_side_asn=amazon_asn,
            propagate_to_tiers=propagate_to_tiers)
        self.customer_gateway = ec2.CfnCustomerGateway(
            self, "CustomerGateway", type=VPN_TYPE, ip_address=plan.customer_gateway_ip,
            bgp_asn=plan.customer_bgp_asn)
        Tags.of(self.customer_gateway).add("Name", f"{name}/cgw")
        if plan.documentation_address:
            Annotations.of(self).add_info(
                f"customer_gateway_ip {plan.customer_gateway_ip} is a documentation address "
                "(RFC 5737): the VPN deploys, but its tunnels stay down until it is the "
                "device's real public address")

        self.psk_key: kms.Key | None = None
        self.psk_secrets = self._secrets(psk_secret, removal_policy)
        specs = []
        for t, secret, key in zip(plan.tunnels, self.psk_secrets, PSK_SECRET_KEYS, strict=True):
            specs.append(self._tunnel_spec(t, secret.secret_value_from_json(key).unsafe_unwrap()))
        self.connection = ec2.CfnVPNConnection(
            self, "Connection",
            type=VPN_TYPE,
            customer_gateway_id=self.customer_gateway.ref,
            vpn_gateway_id=self.gateway.gateway_id,
            static_routes_only=plan.routing == "static",
            vpn_tunnel_options_specifications=specs,
        )
        Tags.of(self.connection).add("Name", f"{name}/vpn")
        if announced:
            self.connection.cfn_options.metadata = {
                **(self.connection.cfn_options.metadata or {}),
                METADATA_KEY: {"learned_routes": list(announced)}}
        for t in plan.tunnels:
            self.gateway.inside_cidrs[t.inside_cidr or ""] = self.node.path
        self.routes: dict[str, ec2.CfnVPNConnectionRoute] = {}
        for cidr in plan.static_routes:
            self.routes[cidr] = ec2.CfnVPNConnectionRoute(
                self, "Route" + cidr.replace(".", "-").replace("/", "_"),
                destination_cidr_block=cidr, vpn_connection_id=self.connection.ref)

        self.topic_key: kms.Key | None = None
        self.topic: sns.ITopic | None = None
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        if alarms:
            self.topic = alarm_topic or self._topic(removal_policy)
            self._alarms(cw_actions.SnsAction(self.topic))
        self.output_keys = self._outputs(prefix)

    # ------------------------------------------------------------ pieces
    def _secrets(self, given: secretsmanager.ISecret | None,
                 removal: RemovalPolicy) -> tuple[secretsmanager.ISecret, secretsmanager.ISecret]:
        if given is not None:
            return given, given
        self.psk_key = customer_key(
            self, "PreSharedKeysKey",
            description=f"Encrypts the VPN tunnel pre-shared keys of {self.node.path}",
            removal_policy=removal)
        made = []
        for i, key in enumerate(PSK_SECRET_KEYS, start=1):
            secret = secretsmanager.Secret(
                self, f"Tunnel{i}PreSharedKey",
                description=(f"Pre-shared key of tunnel {i} of VPN {self.node.path} "
                             f"(JSON key {key})"),
                encryption_key=self.psk_key,
                removal_policy=removal,
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    secret_string_template="{}", generate_string_key=key,
                    password_length=PSK_LENGTH, exclude_punctuation=True, include_space=False,
                    exclude_characters="0"),
            )
            for rule in _ROTATION_RULES:
                acknowledge(secret, rule, _ROTATION_REASON)
            made.append(secret)
        return made[0], made[1]

    @staticmethod
    def _tunnel_spec(t: TunnelOptions,
                     psk: str) -> ec2.CfnVPNConnection.VpnTunnelOptionsSpecificationProperty:
        c = ec2.CfnVPNConnection

        def values(cls: type, items: Sequence[object]) -> list:
            return [cls(value=v) for v in items]

        return c.VpnTunnelOptionsSpecificationProperty(
            tunnel_inside_cidr=t.inside_cidr,
            pre_shared_key=psk,
            ike_versions=values(c.IKEVersionsRequestListValueProperty, t.ike_versions),
            phase1_encryption_algorithms=values(c.Phase1EncryptionAlgorithmsRequestListValueProperty,
                                                t.phase1_encryption),
            phase1_integrity_algorithms=values(c.Phase1IntegrityAlgorithmsRequestListValueProperty,
                                               t.phase1_integrity),
            phase1_dh_group_numbers=values(c.Phase1DHGroupNumbersRequestListValueProperty,
                                           t.phase1_dh_groups),
            phase2_encryption_algorithms=values(c.Phase2EncryptionAlgorithmsRequestListValueProperty,
                                                t.phase2_encryption),
            phase2_integrity_algorithms=values(c.Phase2IntegrityAlgorithmsRequestListValueProperty,
                                               t.phase2_integrity),
            phase2_dh_group_numbers=values(c.Phase2DHGroupNumbersRequestListValueProperty,
                                           t.phase2_dh_groups),
            phase1_lifetime_seconds=t.phase1_lifetime_seconds,
            phase2_lifetime_seconds=t.phase2_lifetime_seconds,
            dpd_timeout_seconds=t.dpd_timeout_seconds,
            dpd_timeout_action=t.dpd_timeout_action,
            startup_action=t.startup_action,
        )

    def _topic(self, removal: RemovalPolicy) -> sns.Topic:
        topic, self.topic_key = encrypted_alarm_topic(
            self, display_name="vpc_patterns VPN alarms",
            key_description=f"Encrypts the VPN alarm topic of {self.node.path}",
            removal_policy=removal,
        )
        return topic

    def _alarms(self, action: cw_actions.SnsAction) -> None:
        def metric(statistic: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=VPN_NAMESPACE, metric_name=TUNNEL_STATE_METRIC, statistic=statistic,
                dimensions_map={VPN_DIMENSION: self.connection.ref},
                period=Duration.seconds(ALARM_PERIOD_SECONDS))

        where = f"VPN {self.node.path} to {self.plan.customer_gateway_ip}"
        specs = {
            "TunnelDown": (metric("Minimum"), TUNNEL_DOWN_THRESHOLD,
                           cloudwatch.TreatMissingData.MISSING,
                           (f"{where}: at least one of the two tunnels was down in the last "
                            f"{ALARM_PERIOD_SECONDS // 60} minutes; traffic runs on one tunnel "
                            "without redundancy (see VgwTelemetry of describe-vpn-connections).")),
            "BothTunnelsDown": (metric("Maximum"), BOTH_DOWN_THRESHOLD,
                                cloudwatch.TreatMissingData.BREACHING,
                                (f"{where}: no tunnel was up in the last "
                                 f"{ALARM_PERIOD_SECONDS // 60} minutes; the on-premises "
                                 "network is unreachable.")),
        }
        for key, (m, threshold, missing, text) in specs.items():
            alarm = cloudwatch.Alarm(
                self, f"{key}Alarm", metric=m, threshold=threshold,
                comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                evaluation_periods=ALARM_EVALUATION_PERIODS,
                datapoints_to_alarm=ALARM_EVALUATION_PERIODS,
                treat_missing_data=missing, alarm_description=text, actions_enabled=True)
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
            self.alarms[key] = alarm

    def _outputs(self, prefix: str) -> dict[str, str]:
        p = self.plan
        values = {
            "VpnConnectionId": (self.connection.ref, "VPN connection id"),
            "VpnGatewayId": (self.gateway.gateway_id, "virtual private gateway id"),
            "CustomerGatewayId": (self.customer_gateway.ref, "customer gateway id"),
            "CustomerGatewayIp": (p.customer_gateway_ip, "public IPv4 of the on-premises device"),
            "CustomerBgpAsn": (str(p.customer_bgp_asn), "BGP ASN of the on-premises device"),
            "AmazonSideAsn": (str(p.amazon_side_asn), "BGP ASN of the virtual private gateway"),
            "Routing": (p.routing, "static or bgp"),
            "StaticRoutes": (",".join(p.static_routes),
                             "on-premises CIDRs routed into the VPN (static routing)"),
            "VpcCidr": (p.vpc_cidr, "the VPC CIDR the device routes into the tunnels"),
            "Tunnel1InsideCidr": (p.tunnels[0].inside_cidr or "", "tunnel 1 inside /30"),
            "Tunnel2InsideCidr": (p.tunnels[1].inside_cidr or "", "tunnel 2 inside /30"),
            "Tunnel1PskSecretArn": (self.psk_secrets[0].secret_arn,
                                    f"secret of tunnel 1's key (JSON key {PSK_SECRET_KEYS[0]})"),
            "Tunnel2PskSecretArn": (self.psk_secrets[1].secret_arn,
                                    f"secret of tunnel 2's key (JSON key {PSK_SECRET_KEYS[1]})"),
            "TunnelOptions": (p.tunnels_json(),
                              "both tunnels' options as JSON (python -m vpc_patterns vpn-config)"),
        }
        keys: dict[str, str] = {}
        for out_name in OUTPUT_NAMES:
            value, description = values[out_name]
            if value == "":  # e.g. no static routes with BGP: CloudFormation refuses empty values
                continue
            keys[out_name] = f"{prefix}{out_name}"
            CfnOutput(self, f"Output{out_name}", key=keys[out_name], value=value,
                      description=f"{self.node.path}: {description}")
        return keys


__all__ = ["OUTPUT_NAMES", "SiteToSiteVpn", "TunnelOptions", "VirtualPrivateGateway"]
