"""Custom resource: remove the rules of a VPC's default security group.

Create/Update revoke the two rules AWS puts in every default security group
(all traffic in from the group itself, all traffic out to anywhere): a group
that does not exist is a failure. Delete puts them back, so removing the
resource restores the AWS default; a group already gone (the VPC was deleted)
is success. Every request is answered: API throttling and transient errors
are retried with backoff only while the function has time left, then the
answer (PUT to the response URL, itself retried) says FAILED with the reason.
Deployed inline (ZipFile), so it uses only the standard library and boto3.
"""
import json
import random
import time
import urllib.error
import urllib.request

import boto3
from botocore import exceptions as bx
from botocore.config import Config

# One API attempt takes at most 5 s to connect and 10 s to read; the retries
# are this file's, so that they stop at the function's deadline.
CONFIG = Config(connect_timeout=5, read_timeout=10,
                retries={"mode": "standard", "total_max_attempts": 1})
CALL_MS = 16000  # the longest one API attempt takes
RESERVE_MS = 25000  # kept for the answer to CloudFormation
THROTTLED = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
             "RequestThrottled", "RequestThrottledException", "EC2ThrottledException"}
TRANSIENT = THROTTLED | {"InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable"}
CLIENTS = {}


def ec2():
    if "ec2" not in CLIENTS:
        CLIENTS["ec2"] = boto3.client("ec2", config=CONFIG)
    return CLIENTS["ec2"]


def code(err):
    return err.response.get("Error", {}).get("Code", "") if isinstance(err, bx.ClientError) else ""


def transient(err):
    if isinstance(err, (bx.ConnectionError, bx.HTTPClientError)):
        return True
    if not code(err):
        return False
    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return code(err) in TRANSIENT or status >= 500


def call(ctx, fn, **kwargs):
    """fn(**kwargs), retried on throttling and transient errors until the deadline."""
    n = 0
    while True:
        if ctx.get_remaining_time_in_millis() - RESERVE_MS < CALL_MS:
            raise TimeoutError(f"no time left to call {fn.__name__}")
        try:
            return fn(**kwargs)
        except (bx.ClientError, bx.BotoCoreError) as err:
            pause = min(2 ** n, 16) * random.uniform(0.5, 1)
            n += 1
            if not transient(err):
                raise
            if ctx.get_remaining_time_in_millis() - RESERVE_MS < pause * 1000 + CALL_MS:
                raise TimeoutError(f"{fn.__name__}: {code(err) or err} after {n} attempts, "
                                   "and no time left to retry") from err
            print(f"{fn.__name__}: {code(err) or err!r}, again in {pause:.1f} s")
            time.sleep(pause)


def _ingress(group):
    return [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group}]}]


def _egress():
    return [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def _apply(ctx, fn, ignore, **kwargs):
    try:
        call(ctx, fn, **kwargs)
    except bx.ClientError as err:
        if code(err) not in ignore:
            raise


def restrict(group, ctx):
    # A rule already revoked is done; a missing group is an error.
    for fn, rules in ((ec2().revoke_security_group_ingress, _ingress(group)),
                      (ec2().revoke_security_group_egress, _egress())):
        _apply(ctx, fn, ("InvalidPermission.NotFound",), GroupId=group, IpPermissions=rules)


def restore(group, ctx):
    # A rule already there is done; a group already gone has nothing to restore.
    for fn, rules in ((ec2().authorize_security_group_ingress, _ingress(group)),
                      (ec2().authorize_security_group_egress, _egress())):
        _apply(ctx, fn, ("InvalidPermission.Duplicate", "InvalidGroup.NotFound"),
               GroupId=group, IpPermissions=rules)


def respond(event, ctx, status, physical, reason):
    body = json.dumps({
        "Status": status,
        "Reason": reason[:500],
        "PhysicalResourceId": physical,
        "StackId": event.get("StackId"),
        "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"),
    }).encode()
    url = event["ResponseURL"]
    for n in range(6):
        try:
            req = urllib.request.Request(url, data=body, method="PUT",
                                         headers={"Content-Type": "", "Content-Length": str(len(body))})
            left = ctx.get_remaining_time_in_millis() / 1000
            urllib.request.urlopen(req, timeout=max(1, min(10, left - 2))).close()
            return
        except Exception as err:  # urllib.error.HTTPError, URLError, timeouts
            left = ctx.get_remaining_time_in_millis() / 1000
            final = isinstance(err, urllib.error.HTTPError) and err.code < 500 and err.code != 429
            if final or n == 5 or left < 2 ** n + 3:
                print(f"answer {status} not delivered: {err!r}")
                raise
            print(f"answer not delivered ({err!r}), again in {2 ** n} s")
            time.sleep(2 ** n)


def handler(event, context):
    kind = event.get("RequestType")
    physical = event.get("PhysicalResourceId") or f"none-{event.get('RequestId')}"
    try:
        if kind == "Delete":
            # The physical id is the group whose rules were revoked.
            if physical.startswith("sg-"):
                restore(physical, context)
        else:
            group = (event.get("ResourceProperties") or {}).get("DefaultSecurityGroupId")
            if not isinstance(group, str) or not group.startswith("sg-"):
                raise ValueError(f"DefaultSecurityGroupId {group!r} is not a security group id")
            if kind == "Create":
                physical = group  # a failed Create is rolled back by restoring this group
            restrict(group, context)
            physical = group  # a new group replaces the resource: the old one is then deleted
    except Exception as err:  # every failure is reported to CloudFormation
        print(f"{kind} failed: {err!r}")
        respond(event, context, "FAILED", physical,
                f"{err} (log stream {getattr(context, 'log_stream_name', '?')})")
        return
    respond(event, context, "SUCCESS", physical, "done")
