"""Names the layers agree on: tag keys, the metadata key, construct ids.

The build layer writes these names into the template and the check layer
reads them back, so each lives here once. Changing one changes deployed
resources (tags) or what ``verify`` can read from older templates (metadata).
"""

from __future__ import annotations

import re

#: Tag on subnets and route tables: the tier a resource belongs to.
TAG_TIER = "vpc-patterns:tier"
#: Tag on subnets: the AZ label (name, id or ``azN``) of the subnet.
TAG_AZ = "vpc-patterns:az"
#: Tags the CDK's ``ec2.Vpc.from_lookup`` reads to rebuild subnet groups.
TAG_CDK_SUBNET_TYPE = "aws-cdk:subnet-type"
TAG_CDK_SUBNET_NAME = "aws-cdk:subnet-name"
#: Tag on a NAT instance's fixed network interface (its AZ label).
TAG_NAT_INTERFACE = "vpc-patterns:nat-interface"
#: Resource metadata key under which the library records what the check layer
#: reads back: the intents on the VPC, ``reply`` on ACL entries.
METADATA_KEY = "vpc_patterns"
#: Prefix of the acknowledgment ids of ACL plan findings.
ACL_FINDING_PREFIX = "vpc-patterns:nacl-"

_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+")


def pascal(text: str) -> str:
    """``private-app`` -> ``PrivateApp``: the construct-id form of a name
    (tier, service, query, interface). Construct ids are API: a different id
    is a different resource."""
    return "".join(p[:1].upper() + p[1:] for p in _WORD_SPLIT.split(text) if p)
