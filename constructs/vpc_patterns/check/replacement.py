"""CloudFormation's replacement semantics, for the change check (pure Python).

An update replaces a resource when one of its *create-only* properties gets a
different value: CloudFormation creates the new physical resource first,
points every reference at it, and deletes the old one last, in the clean-up
phase. A resource whose logical id disappears is deleted, one that appears is
created, in the same order (creates first, deletes last).

:data:`CREATE_ONLY` lists the create-only properties of the resource types
the change check reports on. It is dated: it was read on 2026-12 from two
machine-readable copies of the CloudFormation resource specification, and
checked against the template reference's "Update requires: Replacement":

* the CloudFormation registry schemas shipped with cfn-lint 1.58.0 (schema
  date 2026-10-20), ``createOnlyProperties``;
* the resource spec the CDK CLI 2.1148.1 diffs with (``db.json.gz``,
  ``causesReplacement``), which is what ``cdk diff`` calls "replace".

Where both say "replacement", a change replaces (:attr:`CreateOnly.replaces`).
Where they disagree (the CDK spec or the older reference says replacement,
the registry schema updates in place), a change *may* replace
(:attr:`CreateOnly.may_replace`, with the reason).

Values are compared as CloudFormation would see them after resolution, as far
as two templates tell: :class:`ValueComparer` answers :data:`SAME`,
:data:`CHANGED` or :data:`UNKNOWN` (an intrinsic the templates do not
resolve, such as a parameter, an import or a ``Fn::Join`` with changed
parts: the caller then says "may be replaced").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SAME, CHANGED, UNKNOWN = "same", "changed", "unknown"

#: When :data:`CREATE_ONLY` was read from its sources (see the module doc).
SPEC_DATE = "2026-10-20"
SPEC_SOURCES = (
    "CloudFormation registry schemas in cfn-lint 1.58.0 (createOnlyProperties, 2026-10-20)",
    "CDK CLI 2.1148.1 resource spec (causesReplacement)",
)

_VPN_IN_PLACE = ("the registry schema updates it in place (ModifyVpnConnection / "
                 "ModifyVpnTunnelOptions, the tunnels restart); the CDK spec and the older "
                 "template reference say replacement")


@dataclass(frozen=True)
class CreateOnly:
    """The create-only properties of one resource type."""

    #: a change of any of these replaces the resource (both sources agree)
    replaces: tuple[str, ...]
    #: property -> why a change may replace it (the sources disagree)
    may_replace: Mapping[str, str] = field(default_factory=dict)


CREATE_ONLY: Mapping[str, CreateOnly] = {
    "AWS::EC2::VPC": CreateOnly(
        ("CidrBlock", "Ipv4IpamPoolId", "Ipv4NetmaskLength", "VpcEncryptionControl"),
        {"InstanceTenancy": "replacement only when changed to anything but 'default' "
                            "(conditionally create-only)"},
    ),
    "AWS::EC2::Subnet": CreateOnly(
        ("VpcId", "AvailabilityZone", "AvailabilityZoneId", "CidrBlock", "OutpostArn",
         "Ipv6Native", "Ipv4IpamPoolId", "Ipv4NetmaskLength", "Ipv6IpamPoolId",
         "Ipv6NetmaskLength"),
        {"Ipv6CidrBlock": "conditionally create-only: replacing one IPv6 block by another "
                          "replaces the subnet"},
    ),
    "AWS::EC2::NatGateway": CreateOnly(
        ("VpcId", "SubnetId", "ConnectivityType", "AllocationId", "PrivateIpAddress",
         "AvailabilityMode"),
    ),
    "AWS::EC2::EIP": CreateOnly(
        ("NetworkBorderGroup", "TransferAddress", "IpamPoolId", "Address"),
        {"Domain": "the CDK spec and the template reference say replacement; the registry "
                   "schema updates it in place",
         "PublicIpv4Pool": "updated in place, but an address from another pool is another "
                           "address"},
    ),
    "AWS::Logs::LogGroup": CreateOnly(("LogGroupName",)),
    "AWS::S3::Bucket": CreateOnly(
        ("BucketName", "BucketNamePrefix", "BucketNamespace"),
        {"ObjectLockEnabled": "the CDK spec says replacement; the registry schema updates it "
                              "in place"},
    ),
    "AWS::EC2::VPNConnection": CreateOnly(
        ("Type", "VpnConcentratorId", "EnableAcceleration", "LocalIpv4NetworkCidr",
         "LocalIpv6NetworkCidr", "OutsideIpAddressType", "RemoteIpv4NetworkCidr",
         "RemoteIpv6NetworkCidr", "StaticRoutesOnly", "TransportTransitGatewayAttachmentId",
         "TunnelInsideIpVersion", "PreSharedKeyStorage"),
        {"CustomerGatewayId": _VPN_IN_PLACE, "VpnGatewayId": _VPN_IN_PLACE,
         "TransitGatewayId": _VPN_IN_PLACE, "VpnTunnelOptionsSpecifications": _VPN_IN_PLACE},
    ),
    "AWS::EC2::CustomerGateway": CreateOnly(
        ("CertificateArn", "BgpAsn", "BgpAsnExtended", "Type", "IpAddress", "DeviceName"),
    ),
    "AWS::EC2::VPNGateway": CreateOnly(("AmazonSideAsn", "Type")),
}

#: ``Fn::GetAtt`` attributes that name the resource itself: two different
#: resources never share them, and they change when the resource is replaced.
IDENTITY_ATTRIBUTES = frozenset({
    "Arn", "AllocationId", "Id", "GroupId", "SubnetId", "NetworkAclId", "RouteTableId",
    "NetworkInterfaceId", "VpnConnectionId", "CustomerGatewayId", "VPNGatewayId",
    "TransitGatewayId", "NatGatewayId", "InternetGatewayId", "KeyId",
})


class _Missing:
    def __repr__(self) -> str:
        return "<absent>"


#: A property absent from the template.
MISSING: Any = _Missing()


def combine(results: Iterable[str]) -> str:
    """Several comparisons as one: a certain change wins, then an unknown."""
    seen = set(results)
    if CHANGED in seen:
        return CHANGED
    return UNKNOWN if UNKNOWN in seen else SAME


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _reference(v: Any) -> tuple[str, str | None] | None:
    """``Ref X`` -> (X, None); ``Fn::GetAtt [X, a]`` -> (X, a)."""
    if not (isinstance(v, Mapping) and len(v) == 1):
        return None
    (k, arg), = v.items()
    if k == "Ref" and isinstance(arg, str):
        return arg, None
    if k == "Fn::GetAtt":
        if isinstance(arg, str) and "." in arg:
            target, attr = arg.split(".", 1)
            return target, attr
        if (isinstance(arg, Sequence) and not isinstance(arg, str) and len(arg) == 2
                and isinstance(arg[0], str) and isinstance(arg[1], str)):
            return arg[0], arg[1]
    return None


def _intrinsic(v: Any) -> tuple[str, Any] | None:
    if isinstance(v, Mapping) and len(v) == 1:
        (k, arg), = v.items()
        if isinstance(k, str) and (k.startswith("Fn::") or k == "Condition"):
            return k, arg
    return None


def references(v: Any) -> list[str]:
    """Every target of a ``Ref`` or ``Fn::GetAtt`` inside ``v``."""
    out: list[str] = []
    ref = _reference(v)
    if ref is not None:
        out.append(ref[0])
    elif isinstance(v, Mapping):
        for x in v.values():
            out += references(x)
    elif isinstance(v, Sequence) and not isinstance(v, str):
        for x in v:
            out += references(x)
    return out


class ValueComparer:
    """Compares a value of the previous template with one of the new template.

    ``identity(lid)`` says whether the physical resource of logical id
    ``lid`` (in both templates) changes: :data:`SAME` (kept), :data:`CHANGED`
    (replaced) or :data:`UNKNOWN`.
    """

    def __init__(self, old_resources: Mapping[str, Any], new_resources: Mapping[str, Any],
                 identity: Callable[[str], str]) -> None:
        self.old = old_resources
        self.new = new_resources
        self.identity = identity

    def compare(self, a: Any, b: Any) -> str:
        if a is MISSING or b is MISSING:
            return SAME if a is b else CHANGED
        ra, rb = _reference(a), _reference(b)
        if ra is not None or rb is not None:
            return self._refs(ra, rb) if ra is not None and rb is not None else UNKNOWN
        ia, ib = _intrinsic(a), _intrinsic(b)
        if ia is not None or ib is not None:
            if ia is None or ib is None or ia[0] != ib[0]:
                return UNKNOWN
            if ia[0] == "Fn::Select":
                return self._select(ia[1], ib[1])
            return SAME if self.compare(ia[1], ib[1]) == SAME else UNKNOWN
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            return combine(self.compare(a.get(k, MISSING), b.get(k, MISSING))
                           for k in {*a, *b})
        a_list = isinstance(a, Sequence) and not isinstance(a, str)
        b_list = isinstance(b, Sequence) and not isinstance(b, str)
        if a_list and b_list:
            if len(a) != len(b):
                return CHANGED
            return combine(self.compare(x, y) for x, y in zip(a, b))
        if a_list or b_list or isinstance(a, Mapping) or isinstance(b, Mapping):
            return CHANGED
        return SAME if _scalar(a) == _scalar(b) else CHANGED

    def _select(self, a: Any, b: Any) -> str:
        """``Fn::Select [i, list]``: over the same ``Fn::GetAZs`` (distinct
        zones) a different literal index is a different zone."""
        if not (isinstance(a, Sequence) and isinstance(b, Sequence) and len(a) == 2
                and len(b) == 2 and not isinstance(a, str) and not isinstance(b, str)):
            return UNKNOWN
        same_list = self.compare(a[1], b[1])
        index = self.compare(a[0], b[0])
        if same_list == SAME and index == SAME:
            return SAME
        literal = all(isinstance(x, (int, str)) and not isinstance(x, bool)
                      for x in (a[0], b[0]))
        if (same_list == SAME and index == CHANGED and literal
                and isinstance(a[1], Mapping) and "Fn::GetAZs" in a[1]):
            return CHANGED
        return UNKNOWN

    def _refs(self, ra: tuple[str, str | None], rb: tuple[str, str | None]) -> str:
        (ta, aa), (tb, ab) = ra, rb
        a_res, b_res = ta in self.old, tb in self.new
        if not a_res and not b_res:
            # parameters and pseudo parameters: the same one gives the same value
            return SAME if (ta, aa) == (tb, ab) else UNKNOWN
        if a_res != b_res or aa != ab:
            return UNKNOWN
        names_itself = aa is None or aa in IDENTITY_ATTRIBUTES
        if ta == tb:
            kept = self.identity(ta)
            return kept if names_itself or kept == SAME else UNKNOWN
        # two logical ids are two physical resources (a renamed one is new)
        same_type = _type(self.old.get(ta)) == _type(self.new.get(tb))
        return CHANGED if names_itself and same_type else UNKNOWN


def _type(resource: Any) -> str | None:
    t = resource.get("Type") if isinstance(resource, Mapping) else None
    return t if isinstance(t, str) else None


__all__ = [
    "CHANGED",
    "CREATE_ONLY",
    "IDENTITY_ATTRIBUTES",
    "MISSING",
    "SAME",
    "SPEC_DATE",
    "SPEC_SOURCES",
    "UNKNOWN",
    "CreateOnly",
    "ValueComparer",
    "combine",
    "references",
]
