"""Each moto patch in tests/_moto_patches.py is still needed, and does what
AWS does (no more)."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ._moto_patches import instance_image_from_launch_template

# _moto_server imports _moto_patches from tests/ (as the e2e tests do)
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import _moto_patches as patches

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


# --------------------------------------------------------------------------
# The CDK CLI's deploy path (tests/test_e2e_cdk_cli.py)
# --------------------------------------------------------------------------


REGION = "us-east-1"


@contextlib.contextmanager
def _aws(*active: Callable[[], Any]) -> Iterator[Callable[[str], Any]]:
    """moto in-process with the given patches applied; yields a client maker."""
    import boto3
    from moto import mock_aws

    with contextlib.ExitStack() as stack:
        for patch in active:
            stack.enter_context(patch())
        stack.enter_context(mock_aws())
        yield lambda service: boto3.client(service, region_name=REGION)


def _fails(call: Callable[[], Any]) -> str | None:
    """The error ``call`` raises (moto raises out of the call in-process), or None."""
    try:
        call()
    except Exception as err:
        return f"{type(err).__name__}: {err}"
    return None


def _create(cf: Any, template: dict, name: str = "s") -> str | None:
    return _fails(lambda: cf.create_stack(StackName=name, TemplateBody=json.dumps(template)))


POLICY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    "Action": "kms:*", "Resource": "*"}]}


def _key(**props: Any) -> dict:
    return {"Resources": {"Key": {"Type": "AWS::KMS::Key",
                                  "Properties": {"KeyPolicy": POLICY, **props}}}}


@pytest.mark.parametrize("patched", [False, True])
def test_kms_key_tags_read_as_tag_key(patched: bool) -> None:
    template = _key(Tags=[{"Key": "team", "Value": "network"}])
    with _aws(*([patches.kms_key_tags_read_as_tag_key] if patched else [])) as client:
        error = _create(client("cloudformation"), template)
        if not patched:
            assert error and "TagKey" in error, error
            return
        assert error is None
        key_id = client("cloudformation").describe_stack_resource(
            StackName="s", LogicalResourceId="Key")["StackResourceDetail"]["PhysicalResourceId"]
        tags = client("kms").list_resource_tags(KeyId=key_id)["Tags"]
    assert tags == [{"TagKey": "team", "TagValue": "network"}]


@pytest.mark.parametrize("patched", [False, True])
def test_kms_key_policy_stored_as_dict(patched: bool) -> None:
    with _aws(*([patches.kms_key_policy_stored_as_dict] if patched else [])) as client:
        assert _create(client("cloudformation"), _key()) is None
        key_id = client("cloudformation").describe_stack_resource(
            StackName="s", LogicalResourceId="Key")["StackResourceDetail"]["PhysicalResourceId"]
        kms = client("kms")
        if not patched:
            assert "must be str" in (_fails(lambda: kms.describe_key(KeyId=key_id)) or "")
            return
        policy = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
        assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"] == key_id
    assert json.loads(policy) == POLICY


QUEUE = {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
         "Outputs": {"Url": {"Value": {"Ref": "Q"}, "Export": {"Name": "queue-url"}}}}
CHANGE_SET = "cdk-deploy-change-set"  # the CLI's name for every stack's change set


def _change_set(cf: Any, stack: str, template: dict, kind: str = "CREATE", **kw: Any) -> None:
    cf.create_change_set(StackName=stack, ChangeSetName=CHANGE_SET, ChangeSetType=kind,
                         TemplateBody=json.dumps(template), **kw)


@pytest.mark.parametrize("patched", [False, True])
def test_change_sets_found_by_name_alone(patched: bool) -> None:
    with _aws(*([patches.change_sets_found_by_name_alone] if patched else [])) as client:
        cf = client("cloudformation")
        _change_set(cf, "a", {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})
        _change_set(cf, "b", {"Resources": {"T": {"Type": "AWS::SNS::Topic"}}})
        described = cf.describe_change_set(StackName="a", ChangeSetName=CHANGE_SET)["StackName"]
        missing = _fails(lambda: cf.describe_change_set(StackName="a", ChangeSetName="other"))
        cf.execute_change_set(StackName="a", ChangeSetName=CHANGE_SET)
        status = {s["StackName"]: s["StackStatus"] for s in cf.describe_stacks()["Stacks"]}
    if not patched:
        assert described == "b"  # the other stack's change set
        assert status == {"a": "REVIEW_IN_PROGRESS", "b": "CREATE_COMPLETE"}
        assert missing and "ValidationError" in missing and "Stack with id" in missing
        return
    assert described == "a"
    assert status == {"a": "CREATE_COMPLETE", "b": "REVIEW_IN_PROGRESS"}
    assert missing and "ChangeSetNotFound" in missing


@pytest.mark.parametrize("patched", [False, True])
def test_change_set_execution_without_outputs_or_exports(patched: bool) -> None:
    importer = {"Resources": {"P": {"Type": "AWS::SSM::Parameter", "Properties": {
        "Name": "/imported", "Type": "String", "Value": {"Fn::ImportValue": "queue-url"}}}}}
    active = [patches.change_sets_found_by_name_alone]
    if patched:
        active.insert(0, patches.change_set_execution_without_outputs_or_exports)
    with _aws(*active) as client:
        cf = client("cloudformation")
        _change_set(cf, "exporter", QUEUE)
        cf.execute_change_set(StackName="exporter", ChangeSetName=CHANGE_SET)
        outputs = cf.describe_stacks(StackName="exporter")["Stacks"][0].get("Outputs", [])
        exports = cf.list_exports()["Exports"]
        _change_set(cf, "importer", importer)
        imported = _fails(lambda: cf.execute_change_set(StackName="importer",
                                                        ChangeSetName=CHANGE_SET))
    if not patched:
        assert outputs == [] and exports == []
        assert imported and "No export named queue-url" in imported
        return
    assert [o["OutputKey"] for o in outputs] == ["Url"]
    assert [e["Name"] for e in exports] == ["queue-url"]
    assert imported is None


@pytest.mark.parametrize("patched", [False, True])
def test_use_previous_value_reads_the_resolved_value(patched: bool) -> None:
    def template(topic: str) -> dict:
        return {"Parameters": {"Version": {"Type": "AWS::SSM::Parameter::Value<String>",
                                           "Default": "/cdk-bootstrap/hnb659fds/version"}},
                "Resources": {"T": {"Type": "AWS::SNS::Topic",
                                    "Properties": {"TopicName": topic}}}}
    active = [patches.change_sets_found_by_name_alone]
    if patched:
        active.append(patches.use_previous_value_reads_the_resolved_value)
    with _aws(*active) as client:
        client("ssm").put_parameter(Name="/cdk-bootstrap/hnb659fds/version", Value="6",
                                    Type="String")
        cf = client("cloudformation")
        _change_set(cf, "s", template("one"))
        cf.execute_change_set(StackName="s", ChangeSetName=CHANGE_SET)
        cf.delete_change_set(StackName="s", ChangeSetName=CHANGE_SET)
        # the CLI's update: UsePreviousValue for the defaulted parameter
        _change_set(cf, "s", template("two"), kind="UPDATE",
                    Parameters=[{"ParameterKey": "Version", "UsePreviousValue": True}])
        error = _fails(lambda: cf.execute_change_set(StackName="s", ChangeSetName=CHANGE_SET))
        stack = cf.describe_stacks(StackName="s")["Stacks"][0]
    if not patched:
        assert error and "'NoneType' object has no attribute 'value'" in error, error
        return
    assert error is None
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {
        "Version": "6"}


@pytest.mark.parametrize("patched", [False, True])
def test_log_group_has_no_cloudformation_update(patched: bool) -> None:
    def template(days: int) -> str:
        return json.dumps({"Resources": {"G": {"Type": "AWS::Logs::LogGroup",
                                               "Properties": {"RetentionInDays": days}}}})
    with _aws(*([patches.log_group_has_no_cloudformation_update] if patched else [])) as client:
        cf, logs = client("cloudformation"), client("logs")
        cf.create_stack(StackName="s", TemplateBody=template(30))
        cf.update_stack(StackName="s", TemplateBody=template(60))
        (group,) = logs.describe_log_groups()["logGroups"]
        listed = [r["LogicalResourceId"] for r in
                  cf.list_stack_resources(StackName="s")["StackResourceSummaries"]]
    if not patched:
        assert group["retentionInDays"] == 30  # the update was dropped
        assert "G" not in listed  # and so was the group, from its stack
        return
    assert group["retentionInDays"] == 60
    assert listed == ["G"]


@pytest.mark.parametrize("patched", [False, True])
def test_get_att_of_unmodelled_type_undefined(patched: bool) -> None:
    template = {"Resources": {
        "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "MetricName": "m", "Namespace": "n", "Statistic": "Sum", "Period": 60,
            "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold"}},
        "P": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Name": "/alarm-arn", "Type": "String", "Value": {"Fn::GetAtt": ["Alarm", "Arn"]}}}}}
    with _aws(*([patches.get_att_of_unmodelled_type_undefined] if patched else [])) as client:
        error = _create(client("cloudformation"), template)
        if not patched:
            assert error and "references undefined resource Alarm" in error, error
            return
        assert error is None
        (param,) = client("ssm").describe_parameters()["Parameters"]
        value = client("ssm").get_parameter(Name=param["Name"])["Parameter"]["Value"]
    assert value == "moto-unmodelled:AWS::CloudWatch::Alarm:Alarm.Arn"
    # and a resource the template does not declare is still an error
    with _aws(patches.get_att_of_unmodelled_type_undefined) as client:
        missing = {"Resources": {"P": template["Resources"]["P"]}}
        assert "undefined resource" in (_create(client("cloudformation"), missing) or "")


@pytest.mark.parametrize("patched", [False, True])
def test_nat_gateway_requires_a_subnet(patched: bool) -> None:
    template = {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {
            "AvailabilityMode": "regional", "ConnectivityType": "public",
            "VpcId": {"Ref": "Vpc"}, "Tags": [{"Key": "Name", "Value": "regional"}]}}}}
    with _aws(*([patches.nat_gateway_requires_a_subnet] if patched else [])) as client:
        error = _create(client("cloudformation"), template)
        if not patched:
            assert error and "SubnetId" in error, error
            return
        assert error is None
        ec2 = client("ec2")
        (vpc,) = [v for v in ec2.describe_vpcs()["Vpcs"] if v["CidrBlock"] == "10.0.0.0/16"]
        (nat,) = ec2.describe_nat_gateways()["NatGateways"]
    assert nat["VpcId"] == vpc["VpcId"] and not nat.get("SubnetId")
    assert nat["NatGatewayAddresses"] == [] and nat["State"] == "available"
    assert {"Key": "Name", "Value": "regional"} in nat["Tags"]


HANDLER = """
import boto3
def handler(event, context):
    vpc = boto3.client("ec2").create_vpc(CidrBlock=event["cidr"])["Vpc"]
    return {"vpc": vpc["VpcId"], "left": context.get_remaining_time_in_millis() > 0}
"""


@pytest.mark.parametrize("patched", [False, True])
def test_lambda_runs_only_in_docker(patched: bool) -> None:
    """An inline Python function invoked through the Lambda API of a moto
    server: with the patch it runs locally and its boto3 acts on that server;
    without it moto needs Docker (none here) and the function never runs."""
    from _moto_server import moto_server

    if patched:
        chosen = patches.lambda_runs_only_in_docker
    else:
        def chosen(_url: str) -> contextlib.AbstractContextManager[None]:
            return contextlib.nullcontext()
    with moto_server(patches=chosen) as server:
        iam, fn = server.client("iam"), server.client("lambda")
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": "lambda.amazonaws.com"}}]}
        role = iam.create_role(RoleName="r",
                               AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("index.py", HANDLER)
        fn.create_function(FunctionName="f", Runtime="python3.12", Role=role,
                           Handler="index.handler", Code={"ZipFile": buf.getvalue()}, Timeout=30)
        # moto keeps ZipFile code from CloudFormation the same way (base64 of a zip)
        answer = fn.invoke(FunctionName="f", Payload=json.dumps({"cidr": "10.9.0.0/16"}))
        payload = answer["Payload"].read().decode()
        vpcs = {v["VpcId"]: v["CidrBlock"] for v in server.client("ec2").describe_vpcs()["Vpcs"]}
    if not patched:
        assert answer.get("FunctionError") or "docker" in payload.lower(), payload
        assert "10.9.0.0/16" not in vpcs.values()
        return
    result = json.loads(payload)
    assert vpcs[result["vpc"]] == "10.9.0.0/16" and result["left"] is True
