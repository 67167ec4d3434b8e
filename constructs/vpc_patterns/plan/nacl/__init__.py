"""Network ACLs per tier, as data (pure Python, no aws_cdk).

One module per reason to change:

* :mod:`.rules`: what a rule is (:class:`AclRule`), how AWS evaluates rules,
  AWS's limits, the ephemeral range;
* :mod:`.policy`: the library's rules per tier kind (:func:`library_rules`)
  and their defaults;
* :mod:`.merge`: one ACL per tier with the user's rules merged
  (:func:`plan_acls`, :class:`TierAcl`, :class:`AclPlan`);
* :mod:`.proofs`: shadowed rules, missing return traffic, unsolicited
  replies, remote-administration ports open to 0.0.0.0/0
  (:func:`shadow_findings`, :func:`missing_returns`,
  :func:`unsolicited_replies`, :func:`remote_admin_findings`);
* :mod:`.space`: the set algebra (interval sets, one address line for IPv4
  and IPv6, first-match evaluation) that the proofs and the template analyzer
  (:mod:`vpc_patterns.check.acl`) share.

Every public name of those modules but :mod:`.space` is importable from here.
"""

from __future__ import annotations

from vpc_patterns.plan.nacl.merge import (
    LIBRARY,
    PLAN_ACLS_DEFAULTS,
    USER,
    AclPlan,
    TierAcl,
    plan_acls,
)
from vpc_patterns.plan.nacl.policy import (
    DEFAULT_ICMP_ECHO,
    DEFAULT_INTERNET_ICMP,
    DEFAULT_ISOLATED_SERVICE_PORTS,
    DEFAULT_PRIVATE_ADDRESS_RANGES,
    DEFAULT_PUBLIC_INGRESS_PORTS,
    DEFAULT_REMOTE_ADMIN_PORTS,
    GATEWAY_ENDPOINT_PORT,
    library_rules,
)
from vpc_patterns.plan.nacl.proofs import (
    ICMP_ERROR_TYPES,
    PLAN_PROTOCOLS,
    AclFinding,
    Evaluation,
    FindingKind,
    evaluate_acl,
    missing_returns,
    remote_admin_findings,
    rule_match,
    shadow_findings,
    unsolicited_replies,
)
from vpc_patterns.plan.nacl.rules import (
    ANY_IPV4,
    DEFAULT_RULES_PER_DIRECTION,
    EPHEMERAL_PORTS,
    ICMP_ANY,
    ICMP_DESTINATION_UNREACHABLE,
    ICMP_ECHO_REPLY,
    ICMP_ECHO_REQUEST,
    ICMP_FRAGMENTATION_NEEDED,
    ICMP_FRAGMENTATION_NEEDED_TYPE_CODE,
    ICMPV6_PROTOCOL_NUMBER,
    LIBRARY_RULE_STEP,
    MAX_DESCRIPTION_CHARS,
    MAX_RULE_NUMBER,
    MAX_RULES_PER_DIRECTION,
    MIN_RULE_NUMBER,
    PROTOCOL_NUMBERS,
    AclAction,
    AclProtocol,
    AclRule,
)

__all__ = [
    "ANY_IPV4",
    "DEFAULT_ICMP_ECHO",
    "DEFAULT_INTERNET_ICMP",
    "DEFAULT_ISOLATED_SERVICE_PORTS",
    "DEFAULT_PRIVATE_ADDRESS_RANGES",
    "DEFAULT_PUBLIC_INGRESS_PORTS",
    "DEFAULT_REMOTE_ADMIN_PORTS",
    "DEFAULT_RULES_PER_DIRECTION",
    "EPHEMERAL_PORTS",
    "GATEWAY_ENDPOINT_PORT",
    "ICMPV6_PROTOCOL_NUMBER",
    "ICMP_ANY",
    "ICMP_DESTINATION_UNREACHABLE",
    "ICMP_ECHO_REPLY",
    "ICMP_ECHO_REQUEST",
    "ICMP_ERROR_TYPES",
    "ICMP_FRAGMENTATION_NEEDED",
    "ICMP_FRAGMENTATION_NEEDED_TYPE_CODE",
    "LIBRARY",
    "LIBRARY_RULE_STEP",
    "MAX_DESCRIPTION_CHARS",
    "MAX_RULES_PER_DIRECTION",
    "MAX_RULE_NUMBER",
    "MIN_RULE_NUMBER",
    "PLAN_ACLS_DEFAULTS",
    "PLAN_PROTOCOLS",
    "PROTOCOL_NUMBERS",
    "USER",
    "AclAction",
    "AclFinding",
    "AclPlan",
    "AclProtocol",
    "AclRule",
    "Evaluation",
    "FindingKind",
    "TierAcl",
    "evaluate_acl",
    "library_rules",
    "missing_returns",
    "plan_acls",
    "remote_admin_findings",
    "rule_match",
    "shadow_findings",
    "unsolicited_replies",
]
