"""Each moto patch in tests/_moto_patches.py is still needed, and does what
AWS does (no more)."""

from __future__ import annotations

import json

from ._moto_patches import instance_image_from_launch_template

TEMPLATE = {
    "Resources": {
        "Lt": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {
            "LaunchTemplateName": "HostLaunchTemplate",
            "LaunchTemplateData": {"ImageId": "ami-12c6146b",
                                   "MetadataOptions": {"HttpTokens": "required"}}}},
        "Host": {"Type": "AWS::EC2::Instance", "Properties": {
            "InstanceType": "t4g.nano",
            "LaunchTemplate": {"LaunchTemplateName": "HostLaunchTemplate",
                               "Version": {"Fn::GetAtt": ["Lt", "LatestVersionNumber"]}}}},
    }
}


def _deploy() -> tuple[str, list[dict]]:
    import boto3
    from moto import mock_aws

    with mock_aws():
        cf = boto3.client("cloudformation", region_name="us-east-1")
        try:
            cf.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
        except Exception as err:  # moto raises out of CreateStack in-process
            return f"error: {type(err).__name__}: {err}", []
        status = cf.describe_stacks(StackName="s")["Stacks"][0]["StackStatus"]
        ec2 = boto3.client("ec2", region_name="us-east-1")
        instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
        return status, instances


def test_moto_still_needs_the_image_from_the_launch_template() -> None:
    status, _ = _deploy()
    assert status.startswith("error") and "ImageId" in status, status


def test_with_the_patch_the_instance_takes_the_templates_image() -> None:
    with instance_image_from_launch_template():
        status, instances = _deploy()
    assert status == "CREATE_COMPLETE", status
    (instance,) = instances
    assert instance["ImageId"] == "ami-12c6146b"
    # and the patch is gone afterwards
    status, _ = _deploy()
    assert status.startswith("error")


def test_an_instance_with_its_own_image_is_left_to_moto() -> None:
    own = json.loads(json.dumps(TEMPLATE))
    own["Resources"]["Host"]["Properties"]["ImageId"] = "ami-1234abcd"
    import boto3
    from moto import mock_aws

    with instance_image_from_launch_template(), mock_aws():
        cf = boto3.client("cloudformation", region_name="us-east-1")
        cf.create_stack(StackName="s", TemplateBody=json.dumps(own))
        ec2 = boto3.client("ec2", region_name="us-east-1")
        (i,) = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    assert i["ImageId"] == "ami-1234abcd"
