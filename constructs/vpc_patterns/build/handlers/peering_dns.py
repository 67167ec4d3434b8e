"""Custom resource: DNS resolution across one VPC peering connection.

AWS::EC2::VPCPeeringConnection has no DNS property, so the options are set by
ec2:ModifyVpcPeeringConnectionOptions at deploy time. Properties:
PeeringConnectionId; Sides, a list of {"Side": "Requester"|"Accepter",
"Region": region}: each side is set with a client in its own region (AWS
requires that for a cross-region peering). Create/Update turn
AllowDnsResolutionFromRemoteVpc on for every side listed; Delete turns it off
again (a peering already gone is success). The peering may still be
provisioning: every error but a permanent one (permissions, parameters) is
retried with backoff while the function has time left; then the answer (PUT
to the response URL, itself retried) says FAILED with the reason.
Deployed inline (ZipFile): standard library and boto3 only.
"""
import json
import random
import re
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
GONE = ("InvalidVpcPeeringConnectionID.NotFound", "InvalidVpcPeeringConnectionId.NotFound")
PERMANENT = re.compile(r"(Unauthorized|AccessDenied|AuthFailure|InvalidParameter|MissingParameter"
                       r"|OptInRequired|InvalidClientTokenId|UnrecognizedClient)")
CLIENTS = {}


def ec2(region):
    if region not in CLIENTS:
        CLIENTS[region] = boto3.client("ec2", region_name=region, config=CONFIG)
    return CLIENTS[region]


def code(err):
    return err.response.get("Error", {}).get("Code", "") if isinstance(err, bx.ClientError) else ""


def call(ctx, retry, fn, **kwargs):
    """fn(**kwargs), retried while retry(err) holds and the deadline allows."""
    n = 0
    while True:
        if ctx.get_remaining_time_in_millis() - RESERVE_MS < CALL_MS:
            raise TimeoutError(f"no time left to call {fn.__name__}")
        try:
            return fn(**kwargs)
        except (bx.ClientError, bx.BotoCoreError) as err:
            pause = min(2 ** n, 16) * random.uniform(0.5, 1)
            n += 1
            if not retry(err):
                raise
            if ctx.get_remaining_time_in_millis() - RESERVE_MS < pause * 1000 + CALL_MS:
                raise TimeoutError(f"{fn.__name__}: {code(err) or err} after {n} attempts, "
                                   "and no time left to retry") from err
            print(f"{fn.__name__}: {code(err) or err!r}, again in {pause:.1f} s")
            time.sleep(pause)


def retryable(enabled):
    def retry(err):
        if isinstance(err, (bx.ConnectionError, bx.HTTPClientError)):
            return True
        c = code(err)
        # NotFound right after the peering was created is eventual consistency.
        return bool(c) and not PERMANENT.match(c) and (enabled or c not in GONE)
    return retry


def set_dns(pcx, sides, enabled, ctx):
    if not isinstance(sides, list) or not sides:
        raise ValueError(f"Sides {sides!r} is not a list of sides")
    for side in sides:
        key = side["Side"] + "PeeringConnectionOptions"
        try:
            call(ctx, retryable(enabled), ec2(side["Region"]).modify_vpc_peering_connection_options,
                 VpcPeeringConnectionId=pcx, **{key: {"AllowDnsResolutionFromRemoteVpc": enabled}})
        except bx.ClientError as err:
            if enabled or code(err) not in GONE:
                raise
            print(f"{side['Side']} side of {pcx}: {code(err)}, nothing to turn off")


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
        props = event.get("ResourceProperties") or {}
        if kind == "Delete":
            # "<peering>-dns" was set on; "none-..." is a Create that set nothing.
            if physical.endswith("-dns"):
                set_dns(physical[:-4], props.get("Sides"), False, context)
        else:
            pcx = props.get("PeeringConnectionId")
            if not isinstance(pcx, str) or not pcx.startswith("pcx-"):
                raise ValueError(f"PeeringConnectionId {pcx!r} is not a peering connection id")
            if kind == "Create":
                physical = f"{pcx}-dns"  # a failed Create is rolled back by turning it off
            set_dns(pcx, props.get("Sides"), True, context)
            physical = f"{pcx}-dns"  # a new peering id replaces the resource
    except Exception as err:  # every failure is reported to CloudFormation
        print(f"{kind} failed: {err!r}")
        respond(event, context, "FAILED", physical,
                f"{err} (log stream {getattr(context, 'log_stream_name', '?')})")
        return
    respond(event, context, "SUCCESS", physical, "done")
