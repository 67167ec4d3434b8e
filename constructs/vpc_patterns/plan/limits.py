"""CloudFormation resources a BestPracticeVpc creates, counted from its plan,
and the check against the 500-resources-per-stack quota.

The counts mirror what the build layer makes for each part of the plan; a test
synthesizes several layouts and compares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.nat import nat_strategy
from vpc_patterns.plan.tiers import SubnetKind

if TYPE_CHECKING:
    from vpc_patterns.plan.nacl.merge import AclPlan
    from vpc_patterns.plan.network import VpcPlan

#: CloudFormation's quota of resources in one stack.
MAX_STACK_RESOURCES = 500
#: From this many resources (80% of the quota) synthesis warns: whatever else
#: the stack holds (interface endpoints, monitoring, workloads) shares the
#: rest, and a stack that crosses 500 fails only at deploy time.
WARN_STACK_RESOURCES = MAX_STACK_RESOURCES * 4 // 5

#: The flow log, its log group, its role and the role's policy.
_FLOW_LOG = 4
#: The default-SG custom resource, its function, the function's invoke
#: config, role, policy and log group.
_DEFAULT_SG_RESTRICTION = 6


def count_vpc_resources(
    plan: VpcPlan,
    *,
    acl_plan: AclPlan | None = None,
    flow_log: bool = False,
    restrict_default_security_group: bool = False,
) -> dict[str, int]:
    """The CloudFormation resources BestPracticeVpc creates for ``plan``, by
    part of the network (the values sum to the total). Network ACLs are
    counted from ``acl_plan`` (None: no ACLs); ``flow_log`` and
    ``restrict_default_security_group`` add those parts and their shared KMS key."""
    public = bool(plan.subnets_by_kind(SubnetKind.PUBLIC))
    strategies = {n.kind: nat_strategy(n.kind) for n in plan.nats}
    igw = public or any(s.needs_internet_gateway for s in strategies.values())
    counts: dict[str, int] = {
        "vpc": 1,
        "internet gateway": 2 if igw else 0,
        "subnets": len(plan.subnets),
        "route tables": len(plan.route_tables),
        "route table associations": sum(len(rt.subnets) for rt in plan.route_tables),
        "routes": sum(len(rt.routes) for rt in plan.route_tables),
        "gateway endpoints": len(plan.gateway_endpoints),
    }
    nat = sum(strategies[n.kind].cfn_resources(n) for n in plan.nats)
    nat += sum(s.shared_cfn_resources for s in strategies.values())
    counts["NATs"] = nat
    if acl_plan is not None:
        counts["network ACLs"] = len(acl_plan.acls)
        counts["network ACL entries"] = sum(len(a.rules) for a in acl_plan.acls)
        counts["network ACL associations"] = sum(len(a.subnets) for a in acl_plan.acls)
    counts["flow log"] = _FLOW_LOG if flow_log else 0
    counts["default security group restriction"] = (
        _DEFAULT_SG_RESTRICTION if restrict_default_security_group else 0)
    counts["logs key"] = 1 if flow_log or restrict_default_security_group else 0
    return counts


def _biggest_parts(counts: Mapping[str, int]) -> str:
    biggest = sorted(((v, k) for k, v in counts.items() if v), reverse=True)[:4]
    return ", ".join(f"{k} {v}" for v, k in biggest)


def stack_resources_warning(counts: Mapping[str, int], *,
                            limit: int = MAX_STACK_RESOURCES) -> str | None:
    """The warning for ``counts`` (from :func:`count_vpc_resources`) that
    reach 80% of the resources-per-stack quota and fit in it (None below
    that; above the quota :func:`check_stack_resources` raises): the count,
    the biggest parts and what to split off."""
    total = sum(counts.values())
    if not limit * 4 // 5 <= total <= limit:
        return None
    return (
        f"the network needs {total} of the {limit} CloudFormation resources a stack holds "
        f"({100 * total // limit}%: {_biggest_parts(counts)}, ...); everything else in the "
        "stack counts too: put interface endpoints, monitoring and workloads in another "
        "stack, or use fewer AZs (max_azs) or tiers, or move some tiers to a second VPC in "
        "another stack"
    )


def check_stack_resources(counts: Mapping[str, int], *, limit: int = MAX_STACK_RESOURCES) -> None:
    """Raise ConfigError when ``counts`` (from :func:`count_vpc_resources`)
    exceed CloudFormation's resources-per-stack quota."""
    total = sum(counts.values())
    if total <= limit:
        return
    parts = _biggest_parts(counts)
    raise ConfigError(
        f"the network needs {total} CloudFormation resources ({parts}, ...); a stack holds "
        f"at most {limit}: move some tiers to a second VPC in another stack, or use fewer "
        "tiers or AZs (max_azs)"
    )


#: EC2's longest tag value and resource description.
MAX_TAG_VALUE_CHARS = 256
MAX_EC2_DESCRIPTION_CHARS = 255


def _nat_interface_description(nat_name: str) -> str:
    """The description BestPracticeVpc gives a NAT instance's fixed interface."""
    return f"Fixed NAT interface of {nat_name}; private routes point here"


def generated_names(plan: VpcPlan, name: str) -> dict[str, tuple[str, int]]:
    """The longest tag value and EC2 description BestPracticeVpc derives from
    its ``name`` option, each with its quota: ``{what: (text, max chars)}``."""
    suffixes = ["igw", "flow-log", "nat-instance", "nat-regional"]
    suffixes += [f"{s.tier}-{s.az.label}" for s in plan.subnets]
    suffixes += [f"{rt.tier}-{rt.az.label}" if rt.az else rt.tier for rt in plan.route_tables]
    suffixes += [f"{g.service}-endpoint" for g in plan.gateway_endpoints]
    for n in plan.nats:
        suffixes.append(f"nat-{n.az.label}")
        suffixes += [f"nat-regional-{a.az.label}" for a in n.az_addresses or ()]
    out = {"Name tag": (f"{name}/{max(suffixes, key=len)}", MAX_TAG_VALUE_CHARS)}
    instances = [n for n in plan.nats if n.instance_type is not None]
    if instances:
        label = max((n.az.label for n in instances), key=len)
        out["NAT instance interface Description"] = (
            _nat_interface_description(f"{name}/nat-{label}"), MAX_EC2_DESCRIPTION_CHARS)
    return out


def check_generated_names(plan: VpcPlan, name: str, *, option: str = "name") -> None:
    """Raise ConfigError when ``name`` makes a tag value or an EC2 description
    longer than EC2 accepts."""
    for what, (text, limit) in generated_names(plan, name).items():
        if len(text) > limit:
            raise ConfigError(
                f"{option} {name[:40]!r}... ({len(name)} characters) makes the {what} "
                f"{len(text)} characters long; EC2 accepts at most {limit}: shorten the "
                f"{option} by {len(text) - limit} or more characters"
            )


def check_name_tags(name: object, suffixes: Sequence[str], *, option: str = "name") -> None:
    """Validate a construct's ``name`` option, the prefix of ``Name`` tags
    ``<name>/<suffix>``: a non-empty string whose longest tag fits EC2's 256
    characters. ``None`` (the default name) passes."""
    if name is None:
        return
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{option} {name!r} must be a non-empty string")
    longest = f"{name}/{max(suffixes, key=len)}" if suffixes else name
    if len(longest) > MAX_TAG_VALUE_CHARS:
        raise ConfigError(
            f"{option} {name[:40]!r}... ({len(name)} characters) makes the Name tag "
            f"{len(longest)} characters long; EC2 accepts at most {MAX_TAG_VALUE_CHARS}: "
            f"shorten the {option} by {len(longest) - MAX_TAG_VALUE_CHARS} or more characters"
        )
