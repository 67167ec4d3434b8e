"""Custom resource: associate a virtual private gateway with a Direct Connect
gateway. See vpc_patterns/direct_connect.py. Inline: stdlib and boto3 only."""
import json
import re
import time
import urllib.request

import boto3

MARGIN_MS = 45000
POLL_S = 15
UUID = re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")
DX = []


def dx():
    if not DX:
        DX.append(boto3.client("directconnect"))
    return DX[0]


def get(gw, aid):
    try:
        r = dx().describe_direct_connect_gateway_associations(
            directConnectGatewayId=gw, associationId=aid)["directConnectGatewayAssociations"]
    except dx().exceptions.DirectConnectClientException:
        return None  # not found (access errors raise others)
    return r[0] if r else None


def wait(gw, aid, want, ctx):
    while True:
        a = get(gw, aid)
        s = a["associationState"] if a else "disassociated"
        if s == want:
            return
        if a and a.get("stateChangeError"):
            raise RuntimeError(f"association {aid}: {a['stateChangeError']}")
        if s == "disassociated":
            raise RuntimeError(f"association {aid} was disassociated")
        if ctx.get_remaining_time_in_millis() < MARGIN_MS:
            raise RuntimeError(f"association {aid} still {s}, not {want}, at the timeout")
        time.sleep(POLL_S)


def cidrs(items):
    return [{"cidr": c} for c in sorted(items)]


def create(p, out, ctx):
    a = dx().create_direct_connect_gateway_association(
        directConnectGatewayId=p["DirectConnectGatewayId"],
        virtualGatewayId=p["VirtualGatewayId"],
        addAllowedPrefixesToDirectConnectGateway=cidrs(p["AllowedPrefixes"]),
    )["directConnectGatewayAssociation"]
    out["id"] = a["associationId"]
    wait(p["DirectConnectGatewayId"], out["id"], "associated", ctx)


def delete(gw, aid, ctx):
    if not UUID.match(aid):
        return  # nothing was created
    a = get(gw, aid)
    if a is None or a["associationState"] == "disassociated":
        return
    if a["associationState"] != "disassociating":
        dx().delete_direct_connect_gateway_association(associationId=aid)
    wait(gw, aid, "disassociated", ctx)


def update(p, old, out, ctx):
    if any(p[k] != old[k] for k in ("DirectConnectGatewayId", "VirtualGatewayId")):
        # A VGW has one association: the old one goes first.
        delete(old["DirectConnectGatewayId"], out["id"], ctx)
        return create(p, out, ctx)
    new, was = set(p["AllowedPrefixes"]), set(old["AllowedPrefixes"])
    if new != was:
        dx().update_direct_connect_gateway_association(
            associationId=out["id"], addAllowedPrefixesToDirectConnectGateway=cidrs(new - was),
            removeAllowedPrefixesToDirectConnectGateway=cidrs(was - new))
        wait(p["DirectConnectGatewayId"], out["id"], "associated", ctx)


def respond(event, status, pid, reason=""):
    body = json.dumps({
        "Status": status,
        "Reason": reason[:500] or "see the log group",
        "PhysicalResourceId": pid,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": {"AssociationId": pid},
    }).encode()
    req = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                 headers={"Content-Type": "", "Content-Length": str(len(body))})
    urllib.request.urlopen(req, timeout=30)


def handler(event, context):
    p = event["ResourceProperties"]
    kind = event["RequestType"]
    out = {"id": event.get("PhysicalResourceId") or "none-" + event["RequestId"]}
    try:
        if kind == "Create":
            create(p, out, context)
        elif kind == "Update":
            update(p, event["OldResourceProperties"], out, context)
        else:
            delete(p["DirectConnectGatewayId"], out["id"], context)
    except Exception as err:  # every failure goes to CloudFormation
        print(f"{kind} failed: {err!r}")
        respond(event, "FAILED", out["id"], str(err))
        return
    respond(event, "SUCCESS", out["id"])
