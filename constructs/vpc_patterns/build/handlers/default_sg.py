"""Custom resource: remove the rules of a VPC's default security group.

Create/Update revoke the two rules AWS puts in every default security group
(all traffic in from the group itself, all traffic out to anywhere); Delete
puts them back, so removing the resource restores the AWS default.
Deployed inline (ZipFile), so it uses only the standard library and boto3.
"""
import json
import urllib.request

import boto3

EC2 = boto3.client("ec2")
NOT_FOUND = ("InvalidPermission.NotFound", "InvalidGroup.NotFound")
DUPLICATE = ("InvalidPermission.Duplicate", "InvalidGroup.NotFound")


def _ingress(group):
    return [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group}]}]


def _egress():
    return [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def _call(fn, ignore, **kwargs):
    try:
        fn(**kwargs)
    except EC2.exceptions.ClientError as err:
        if err.response["Error"]["Code"] not in ignore:
            raise


def restrict(group):
    _call(EC2.revoke_security_group_ingress, NOT_FOUND, GroupId=group, IpPermissions=_ingress(group))
    _call(EC2.revoke_security_group_egress, NOT_FOUND, GroupId=group, IpPermissions=_egress())


def restore(group):
    _call(EC2.authorize_security_group_ingress, DUPLICATE, GroupId=group, IpPermissions=_ingress(group))
    _call(EC2.authorize_security_group_egress, DUPLICATE, GroupId=group, IpPermissions=_egress())


def _respond(event, status, reason=""):
    body = json.dumps({
        "Status": status,
        "Reason": reason[:500] or "see the handler's log group",
        "PhysicalResourceId": event["ResourceProperties"]["DefaultSecurityGroupId"],
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
    }).encode()
    req = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                 headers={"Content-Type": "", "Content-Length": str(len(body))})
    urllib.request.urlopen(req, timeout=30)


def handler(event, context):
    group = event["ResourceProperties"]["DefaultSecurityGroupId"]
    try:
        if event["RequestType"] == "Delete":
            restore(group)
        else:
            restrict(group)
    except Exception as err:  # report every failure to CloudFormation
        print(f"failed: {err!r}")
        _respond(event, "FAILED", str(err))
        return
    _respond(event, "SUCCESS")
