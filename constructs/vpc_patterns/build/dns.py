"""HybridDns: Route 53 Resolver endpoints, forwarding rules and query logging
for a network connected to on-premises (VPN or Direct Connect), built from a
:class:`~vpc_patterns.plan.dns.DnsPlan`.

Every option is checked by :func:`~vpc_patterns.plan.dns.plan_dns` before
the first resource exists. Built here:

* the endpoints' security groups (through :class:`WorkloadSecurityGroups`,
  every rule described, nothing else admitted or sent): the inbound
  endpoint's admits TCP and UDP 53 from each on-premises CIDR and sends
  nothing; the outbound endpoint's admits nothing and sends TCP and UDP to
  each target server's address and port only;
* ``AWS::Route53Resolver::ResolverEndpoint`` per direction, one address per
  AZ of the tier (fixed ones when given);
* one ``FORWARD`` ``AWS::Route53Resolver::ResolverRule`` per forwarded domain
  and its ``ResolverRuleAssociation`` with the VPC;
* query logging: an ``AWS::Logs::LogGroup`` encrypted with the network's logs
  key (or a key of its own when the network has none), the
  ``ResolverQueryLoggingConfig`` writing to it and its association with the
  VPC. Route 53 Resolver delivers through CloudWatch Logs' log delivery,
  which adds the account's log-delivery resource policy itself when the
  deploying role may call ``logs:PutResourcePolicy`` (CloudFormation's role
  may); no policy is declared here, since an account holds at most ten.

Outputs: ``<prefix>InboundResolverIps`` (when the inbound addresses are fixed:
what the on-premises DNS servers forward to, read by ``vpn-config
--dns-outputs``) and ``<prefix>InboundEndpointId``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from aws_cdk import CfnOutput, RemovalPolicy, Tags
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53resolver as r53r
from constructs import Construct

from vpc_patterns.build.compliance import configured_retention
from vpc_patterns.build.keys import logs_key
from vpc_patterns.build.security_groups import WorkloadSecurityGroups
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.dns import (
    DEFAULT_ENDPOINT_TIER,
    DEFAULT_QUERY_LOG_RETENTION_DAYS,
    DNS_PORT,
    DnsPlan,
    EndpointPlan,
    plan_dns,
)
from vpc_patterns.plan.network import VpcPlan
from vpc_patterns.plan.security_groups import SecurityGroupSpec, SgRule

if TYPE_CHECKING:  # pragma: no cover
    from vpc_patterns.build.vpc import BestPracticeVpc

#: Security group names (construct ids InboundResolver / OutboundResolver).
INBOUND_GROUP, OUTBOUND_GROUP = "inbound-resolver", "outbound-resolver"
#: Output names (prefixed with the construct's output prefix).
INBOUND_IPS_OUTPUT, INBOUND_ID_OUTPUT = "InboundResolverIps", "InboundEndpointId"


def _groups(dns: DnsPlan) -> list[SecurityGroupSpec]:
    groups = []
    if dns.inbound is not None:
        groups.append(SecurityGroupSpec(
            INBOUND_GROUP, "Route 53 Resolver inbound endpoint: DNS from on-premises",
            ingress=[SgRule(c, DNS_PORT, f"{p.upper()} DNS queries from on-premises {c}",
                            protocol=p)
                     for p in ("udp", "tcp") for c in dns.on_premises_cidrs]))
    if dns.outbound is not None:
        targets = dict.fromkeys(t for r in dns.rules for t in r.targets)
        groups.append(SecurityGroupSpec(
            OUTBOUND_GROUP, "Route 53 Resolver outbound endpoint: DNS to on-premises servers",
            egress=[SgRule(f"{t.ip}/32", t.port, f"{p.upper()} DNS queries to {t.ip} port "
                           f"{t.port}", protocol=p)
                    for p in ("udp", "tcp") for t in targets]))
    return groups


class HybridDns(Construct):
    """Route 53 Resolver for a network connected to on-premises: an inbound
    endpoint (on-premises servers resolve the VPC's private names), an
    outbound endpoint with FORWARD rules (workloads resolve on-premises
    names), and query logging.

    Args:
        network: the :class:`~vpc_patterns.BestPracticeVpc`.
        tier: the tier holding the endpoints; private or isolated, with
            subnets in at least two AZs. Default: ``"private"``
            (:data:`DEFAULT_ENDPOINT_TIER`): where the workloads live, and the
            VPN's routes reach it by default.
        on_premises_cidrs: ranges of the on-premises DNS servers allowed to
            query the inbound endpoint. Default: ``()``: they cannot be
            guessed; the inbound endpoint needs at least one.
        forward_domains: domain -> on-premises DNS servers (``"ip"`` or
            ``"ip:port"``), one FORWARD rule per domain. Default: ``None``: no
            rule; the outbound endpoint needs at least one.
        inbound: build the inbound endpoint. Default: ``True``: on-premises
            clients resolve the VPC's private hosted zones.
        outbound: build the outbound endpoint and the rules. Default:
            ``True``: workloads resolve the on-premises names.
        inbound_ips: fixed inbound addresses, one per AZ, inside the tier's
            subnets. Default: ``None``: AWS picks them; fixed ones can be
            written into the on-premises servers before deploy.
        outbound_ips: fixed outbound addresses. Default: ``None``: AWS picks
            them; nothing needs to know them.
        query_logging: log the VPC's DNS queries to an encrypted log group.
            Default: ``True``: DNS logs show what resolved what, for incident
            response.
        query_log_retention_days: a CloudWatch Logs retention. Default:
            ``365`` (:data:`DEFAULT_QUERY_LOG_RETENTION_DAYS`): a year, as the
            flow logs.
        logs_removal_policy: of the log group (and of a key made here).
            Default: ``RemovalPolicy.RETAIN``: deleting the stack must not
            delete evidence.
        output_prefix: prefix of the stack outputs' keys. Default: ``None``:
            the construct id, letters and digits only.

    Attributes: ``plan`` (:class:`DnsPlan`), ``security_groups``
    (:class:`WorkloadSecurityGroups`), ``inbound_endpoint``,
    ``outbound_endpoint`` (``CfnResolverEndpoint`` or None), ``rules`` and
    ``rule_associations`` (domain -> resource), ``log_group``,
    ``query_log_config``, ``query_log_association``, ``logs_key``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        network: BestPracticeVpc,
        tier: str = DEFAULT_ENDPOINT_TIER,
        on_premises_cidrs: Sequence[str] = (),
        forward_domains: Mapping[str, Sequence[str]] | None = None,
        inbound: bool = True,
        outbound: bool = True,
        inbound_ips: Sequence[str] | None = None,
        outbound_ips: Sequence[str] | None = None,
        query_logging: bool = True,
        query_log_retention_days: int = DEFAULT_QUERY_LOG_RETENTION_DAYS,
        logs_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        output_prefix: str | None = None,
    ) -> None:
        vpc_plan = getattr(network, "plan", None)
        if not isinstance(vpc_plan, VpcPlan) or not hasattr(network, "subnets"):
            raise ConfigError(f"network {network!r} is not a BestPracticeVpc (it has no plan)")
        dns = plan_dns(vpc_plan, tier=tier, on_premises_cidrs=on_premises_cidrs,
                       forward_domains=forward_domains, inbound=inbound, outbound=outbound,
                       inbound_ips=inbound_ips, outbound_ips=outbound_ips,
                       query_logging=query_logging,
                       query_log_retention_days=query_log_retention_days)
        if not isinstance(logs_removal_policy, RemovalPolicy):
            raise ConfigError(f"logs_removal_policy {logs_removal_policy!r} must be an "
                              "aws_cdk.RemovalPolicy")
        prefix = output_prefix if output_prefix is not None else re.sub(r"[^A-Za-z0-9]", "", id)
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", prefix or ""):
            raise ConfigError(f"output_prefix {output_prefix!r} must be letters and digits, "
                              "starting with a letter")
        super().__init__(scope, id)
        self.plan = dns
        self.network = network
        name = getattr(network, "_name", None) or self.node.path
        self.security_groups = WorkloadSecurityGroups(
            self, "SecurityGroups", network=network, groups=_groups(dns), name=f"{name}/dns")
        self.inbound_endpoint = self._endpoint(dns.inbound, INBOUND_GROUP, name)
        self.outbound_endpoint = self._endpoint(dns.outbound, OUTBOUND_GROUP, name)
        self.rules: dict[str, r53r.CfnResolverRule] = {}
        self.rule_associations: dict[str, r53r.CfnResolverRuleAssociation] = {}
        for rule in dns.rules:
            assert self.outbound_endpoint is not None
            res = r53r.CfnResolverRule(
                self, rule.construct_id, rule_type="FORWARD", domain_name=rule.domain,
                resolver_endpoint_id=self.outbound_endpoint.attr_resolver_endpoint_id,
                target_ips=[r53r.CfnResolverRule.TargetAddressProperty(ip=t.ip, port=str(t.port))
                            for t in rule.targets],
                name=_name(f"{name}-{rule.domain}"))
            self.rules[rule.domain] = res
            self.rule_associations[rule.domain] = r53r.CfnResolverRuleAssociation(
                self, f"{rule.construct_id}Association", resolver_rule_id=res.attr_resolver_rule_id,
                vpc_id=network.cfn_vpc.ref, name=_name(f"{name}-{rule.domain}"))
        self.logs_key: kms.IKey | None = None
        self.log_group: logs.CfnLogGroup | None = None
        self.query_log_config: r53r.CfnResolverQueryLoggingConfig | None = None
        self.query_log_association: r53r.CfnResolverQueryLoggingConfigAssociation | None = None
        if dns.query_logging:
            self._query_logging(dns, name, logs_removal_policy)
        if dns.inbound is not None and self.inbound_endpoint is not None:
            CfnOutput(self, "InboundEndpointIdOutput", key=f"{prefix}{INBOUND_ID_OUTPUT}",
                      value=self.inbound_endpoint.attr_resolver_endpoint_id,
                      description="Route 53 Resolver inbound endpoint id")
            fixed = [a.ip for a in dns.inbound.addresses if a.ip]
            if fixed:
                CfnOutput(self, "InboundResolverIpsOutput", key=f"{prefix}{INBOUND_IPS_OUTPUT}",
                          value=",".join(fixed),
                          description="Addresses the on-premises DNS servers forward to")

    def _endpoint(self, ep: EndpointPlan | None, group: str,
                  name: str) -> r53r.CfnResolverEndpoint | None:
        if ep is None:
            return None
        subnets = self.network.subnets
        res = r53r.CfnResolverEndpoint(
            self, ep.construct_id, direction=ep.direction,
            security_group_ids=[self.security_groups.cfn_groups[group].attr_group_id],
            ip_addresses=[r53r.CfnResolverEndpoint.IpAddressRequestProperty(
                subnet_id=subnets[a.subnet].ref, ip=a.ip) for a in ep.addresses],
            protocols=["Do53"], resolver_endpoint_type="IPV4",
            name=_name(f"{name}-{ep.direction.lower()}"))
        Tags.of(res).add("Name", f"{name}/{ep.direction.lower()}-resolver")
        return res

    def _query_logging(self, dns: DnsPlan, name: str, removal: RemovalPolicy) -> None:
        key: kms.IKey | None = getattr(self.network, "logs_key", None)
        if key is None:
            key = logs_key(self, "LogsKey", description=f"Encrypts the DNS query logs of {name}",
                           removal_policy=removal)
        self.logs_key = key
        group = logs.CfnLogGroup(self, "QueryLogGroup",
                                 retention_in_days=dns.query_log_retention_days,
                                 kms_key_id=key.key_arn)
        group.apply_removal_policy(removal)
        configured_retention(group, dns.query_log_retention_days, "query_log_retention_days")
        self.log_group = group
        self.query_log_config = r53r.CfnResolverQueryLoggingConfig(
            self, "QueryLogConfig", destination_arn=group.attr_arn,
            name=_name(f"{name}-queries"))
        self.query_log_association = r53r.CfnResolverQueryLoggingConfigAssociation(
            self, "QueryLogAssociation",
            resolver_query_log_config_id=self.query_log_config.attr_id,
            resource_id=self.network.cfn_vpc.ref)


def _name(text: str) -> str:
    """A Route 53 Resolver ``Name``: at most 64 characters of letters, digits,
    space, ``-`` and ``_``, not only digits."""
    clean = re.sub(r"[^A-Za-z0-9 _-]", "-", text).strip("-")[:64]
    return clean if not clean.isdigit() else f"n{clean}"[:64]


__all__ = ["INBOUND_GROUP", "INBOUND_IPS_OUTPUT", "OUTBOUND_GROUP", "HybridDns"]
