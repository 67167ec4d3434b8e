"""Custom resource: associate a virtual private gateway with a Direct Connect
gateway. See vpc_patterns/build/direct_connect.py. Inline: stdlib and boto3 only.

Create adopts the association of the same two gateways when one exists (a
Create retried after a lost answer, or one made by hand), or creates it; it
then waits for "associated" and sets the allowed prefixes. Delete
disassociates and waits for "disassociated"; an association counts as
already gone only when the API says so (not found, or disassociated). Waits,
throttling and transient errors are bounded by the function's deadline; the
answer (a PUT to the response URL, itself retried) then says FAILED.
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
POLL_S = 15
UUID = re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")
THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
             "RequestThrottled", "RequestThrottledException"}
TRANSIENT = THROTTLED | {"DirectConnectServerException", "InternalFailure", "ServiceUnavailable"}
NOT_FOUND = re.compile(r"not found|does not exist|doesn't exist", re.I)
DX = []


def dx():
    if not DX:
        DX.append(boto3.client("directconnect", config=CONFIG))
    return DX[0]


def code(err):
    return err.response.get("Error", {}).get("Code", "") if isinstance(err, bx.ClientError) else ""


def gone(err):
    """The API says this association does not exist."""
    msg = err.response.get("Error", {}).get("Message", "")
    return code(err) == "DirectConnectClientException" and bool(NOT_FOUND.search(msg))


def transient(err):
    if isinstance(err, (bx.ConnectionError, bx.HTTPClientError)):
        return True
    if not code(err):
        return False
    msg = err.response.get("Error", {}).get("Message", "")
    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return code(err) in TRANSIENT or status >= 500 or "rate exceeded" in msg.lower()


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


def describe(ctx, **kwargs):
    """The associations matching kwargs; none when the API says not found."""
    found = []
    while True:
        try:
            r = call(ctx, dx().describe_direct_connect_gateway_associations, **kwargs)
        except bx.ClientError as err:
            if gone(err):
                return found
            raise
        found += r["directConnectGatewayAssociations"]
        if not r.get("nextToken"):
            return found
        kwargs["nextToken"] = r["nextToken"]


def get(ctx, gw, aid):
    return next((a for a in describe(ctx, directConnectGatewayId=gw, associationId=aid)
                 if a["associationId"] == aid), None)


def find(ctx, gw, vgw):
    """The association of these two gateways that is not disassociated."""
    for a in describe(ctx, directConnectGatewayId=gw, virtualGatewayId=vgw):
        ids = (a.get("virtualGatewayId"), (a.get("associatedGateway") or {}).get("id"))
        if a.get("directConnectGatewayId") == gw and vgw in ids \
                and a["associationState"] != "disassociated":
            return a
    return None


def wait(ctx, gw, aid, *want, errors=True):
    while True:
        a = get(ctx, gw, aid)
        s = a["associationState"] if a else "disassociated"
        if s in want:
            return a
        err = a.get("stateChangeError") if a else None
        if errors and err:
            raise RuntimeError(f"association {aid}: {err}")
        if s == "disassociated":
            raise RuntimeError(f"association {aid} was disassociated")
        if ctx.get_remaining_time_in_millis() - RESERVE_MS < POLL_S * 1000 + CALL_MS:
            raise TimeoutError(f"association {aid} still {s}, not {' or '.join(want)}, "
                               f"at the timeout{f' ({err})' if err else ''}")
        time.sleep(POLL_S)


def cidrs(items):
    return [{"cidr": c} for c in sorted(items)]


def set_prefixes(ctx, gw, a, want):
    have = {p["cidr"] for p in a.get("allowedPrefixesToDirectConnectGateway") or []}
    if have != want:
        call(ctx, dx().update_direct_connect_gateway_association, associationId=a["associationId"],
             addAllowedPrefixesToDirectConnectGateway=cidrs(want - have),
             removeAllowedPrefixesToDirectConnectGateway=cidrs(have - want))
        wait(ctx, gw, a["associationId"], "associated")


def create(ctx, p, out):
    gw, vgw = p["DirectConnectGatewayId"], p["VirtualGatewayId"]
    a = find(ctx, gw, vgw)
    if a and a["associationState"] == "disassociating":
        wait(ctx, gw, a["associationId"], "disassociated", errors=False)
        a = None
    if a:
        print(f"adopting association {a['associationId']} ({a['associationState']})")
    else:
        try:
            a = call(ctx, dx().create_direct_connect_gateway_association,
                     directConnectGatewayId=gw, virtualGatewayId=vgw,
                     addAllowedPrefixesToDirectConnectGateway=cidrs(p["AllowedPrefixes"]),
                     )["directConnectGatewayAssociation"]
        except Exception:
            try:
                a = find(ctx, gw, vgw)  # made all the same (an answer lost in transit)?
            except Exception:
                a = None
            if a is None:
                raise
    out["id"] = a["associationId"]
    set_prefixes(ctx, gw, wait(ctx, gw, out["id"], "associated"), set(p["AllowedPrefixes"]))


def remove(ctx, gw, a):
    if a and a["associationState"] in ("associating", "updating") and not a.get("stateChangeError"):
        a = wait(ctx, gw, a["associationId"], "associated", "disassociated")  # let it settle
    if a is None or a["associationState"] == "disassociated":
        return
    if a["associationState"] != "disassociating":
        try:
            call(ctx, dx().delete_direct_connect_gateway_association, associationId=a["associationId"])
        except bx.ClientError as err:
            if not gone(err):
                raise
            return
    wait(ctx, gw, a["associationId"], "disassociated", errors=False)


def update(ctx, p, old, out):
    gw = p["DirectConnectGatewayId"]
    if gw != old.get("DirectConnectGatewayId") or p["VirtualGatewayId"] != old.get("VirtualGatewayId"):
        # A VGW has one association: the old pair's goes first, found by its
        # gateways (so a rollback also finds the one a failed update made).
        remove(ctx, old["DirectConnectGatewayId"],
               find(ctx, old["DirectConnectGatewayId"], old["VirtualGatewayId"]))
        return create(ctx, p, out)
    if not UUID.match(out["id"]):
        return create(ctx, p, out)
    set_prefixes(ctx, gw, wait(ctx, gw, out["id"], "associated"), set(p["AllowedPrefixes"]))


def check(p):
    for key in ("DirectConnectGatewayId", "VirtualGatewayId"):
        if not isinstance(p.get(key), str):
            raise ValueError(f"{key} {p.get(key)!r} is not a gateway id")
    a = p.get("AllowedPrefixes")
    if not isinstance(a, list) or not a or not all(isinstance(c, str) for c in a):
        raise ValueError(f"AllowedPrefixes {a!r} is not a list of CIDRs")
    return p


def respond(event, ctx, status, pid, reason):
    body = json.dumps({
        "Status": status,
        "Reason": reason[:500],
        "PhysicalResourceId": pid,
        "StackId": event.get("StackId"),
        "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"),
        "Data": {"AssociationId": pid},
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
    # An association created before a failure is reported with its id, so
    # the rollback deletes it; "none-..." means nothing was made.
    out = {"id": event.get("PhysicalResourceId") or f"none-{event.get('RequestId')}"}
    try:
        p = event.get("ResourceProperties") or {}
        if kind == "Create":
            create(context, check(p), out)
        elif kind == "Update":
            update(context, check(p), event.get("OldResourceProperties") or {}, out)
        elif UUID.match(out["id"]):
            remove(context, check(p)["DirectConnectGatewayId"],
                   get(context, p["DirectConnectGatewayId"], out["id"]))
    except Exception as err:  # every failure is reported to CloudFormation
        print(f"{kind} failed: {err!r}")
        respond(event, context, "FAILED", out["id"],
                f"{err} (log stream {getattr(context, 'log_stream_name', '?')})")
        return
    respond(event, context, "SUCCESS", out["id"], "done")
