"""Custom resource: DNS resolution across one VPC peering connection.

AWS::EC2::VPCPeeringConnection has no DNS property, so the options are set by
ec2:ModifyVpcPeeringConnectionOptions at deploy time. Properties:
PeeringConnectionId; Sides, a list of {"Side": "Requester"|"Accepter",
"Region": region}: each side is set with a client in its own region (AWS
requires that for a cross-region peering). Create/Update turn
AllowDnsResolutionFromRemoteVpc on for every side listed; Delete turns it off
again (the peering itself may already be gone: that is not an error).
Deployed inline (ZipFile): standard library and boto3 only.
"""
import json
import time
import urllib.request

import boto3

GONE = ("InvalidVpcPeeringConnectionID.NotFound", "InvalidVpcPeeringConnectionId.NotFound")
ATTEMPTS, PAUSE = 9, 10  # the peering may still be provisioning: ~90 s in all


def set_dns(pcx, sides, enabled):
    for side in sides:
        ec2 = boto3.client("ec2", region_name=side["Region"])
        options = {"AllowDnsResolutionFromRemoteVpc": enabled}
        key = side["Side"] + "PeeringConnectionOptions"
        for attempt in range(ATTEMPTS):
            try:
                ec2.modify_vpc_peering_connection_options(VpcPeeringConnectionId=pcx, **{key: options})
                break
            except ec2.exceptions.ClientError as err:
                code = err.response["Error"]["Code"]
                if not enabled and code in GONE:
                    break
                if attempt == ATTEMPTS - 1:
                    raise
                print(f"{side['Side']} side of {pcx}: {code}, retrying")
                time.sleep(PAUSE)


def _respond(event, status, physical, reason=""):
    body = json.dumps({
        "Status": status,
        "Reason": reason[:500] or "see the handler's log group",
        "PhysicalResourceId": physical,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
    }).encode()
    req = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                 headers={"Content-Type": "", "Content-Length": str(len(body))})
    urllib.request.urlopen(req, timeout=30)


def handler(event, context):
    props = event["ResourceProperties"]
    pcx = props["PeeringConnectionId"]
    physical = event.get("PhysicalResourceId") or f"{pcx}-dns"
    try:
        if event["RequestType"] == "Delete":
            set_dns(pcx, props["Sides"], False)
        else:
            physical = f"{pcx}-dns"  # a new peering id replaces the resource
            set_dns(pcx, props["Sides"], True)
    except Exception as err:  # report every failure to CloudFormation
        print(f"failed: {err!r}")
        _respond(event, "FAILED", physical, str(err))
        return
    _respond(event, "SUCCESS", physical)
