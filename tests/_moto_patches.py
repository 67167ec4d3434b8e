"""Narrow patches of moto behaviours that differ from AWS on the deploy path
of the reference templates. Each is named after the moto behaviour it works
around, is applied only while a test's moto server runs, and has a test in
tests/test_moto_patches.py showing that moto still needs it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def instance_image_from_launch_template() -> Iterator[None]:
    """moto 5.2's ``Instance.create_from_cloudformation_json`` reads
    ``Properties["ImageId"]`` unconditionally and never passes the
    ``LaunchTemplate`` property on, so an ``AWS::EC2::Instance`` whose AMI
    comes from its launch template (valid on AWS: ImageId is then optional)
    fails with ``KeyError: 'ImageId'``. moto's own ``run_instances`` already
    takes the image from a launch template: the patch hands the template
    over and leaves everything else to moto."""
    from moto.ec2.models import EC2Backend
    from moto.ec2.models.instances import Instance

    original = Instance.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json.get("Properties", {})
        template = props.get("LaunchTemplate")
        if "ImageId" in props or not template:
            return original(cls, resource_name, cloudformation_json, account_id, region_name,
                            **kwargs)
        spec = {k: str(v) for k, v in template.items()
                if k in ("LaunchTemplateId", "LaunchTemplateName", "Version")}
        run = EC2Backend.run_instances

        def run_with_template(self: Any, *args: Any, **kw: Any) -> Any:
            kw.setdefault("launch_template", spec)
            return run(self, *args, **kw)

        patched = {**cloudformation_json, "Properties": {**props, "ImageId": ""}}
        EC2Backend.run_instances = run_with_template  # type: ignore[method-assign]
        try:
            return original(cls, resource_name, patched, account_id, region_name, **kwargs)
        finally:
            EC2Backend.run_instances = run  # type: ignore[method-assign]

    Instance.create_from_cloudformation_json = classmethod(create)  # type: ignore[assignment]
    try:
        yield
    finally:
        Instance.create_from_cloudformation_json = classmethod(original)  # type: ignore[assignment]


@contextlib.contextmanager
def applied() -> Iterator[None]:
    """Every patch of this module."""
    with instance_image_from_launch_template():
        yield


# --------------------------------------------------------------------------
# The CDK CLI's deploy path (tests/test_e2e_cdk_cli.py)
# --------------------------------------------------------------------------


@contextlib.contextmanager
def _replaced(owner: Any, name: str, value: Any) -> Iterator[None]:
    """``owner.name`` is ``value`` for the block (a class attribute or a
    module global), and what it was afterwards."""
    missing = object()
    saved = owner.__dict__.get(name, missing) if isinstance(owner, type) else getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        if saved is missing:
            delattr(owner, name)  # inherited again
        else:
            setattr(owner, name, saved)


@contextlib.contextmanager
def kms_key_tags_read_as_tag_key() -> Iterator[None]:
    """moto's ``Key.create_from_cloudformation_json`` hands the template's
    ``Tags`` (CloudFormation's ``Key``/``Value`` spelling) to ``create_key``,
    whose tagging service reads the KMS API's ``TagKey``/``TagValue``: every
    tagged ``AWS::KMS::Key`` fails with ``KeyError: 'TagKey'`` (HTTP 500 out
    of ExecuteChangeSet). The patch respells the tags; moto does the rest."""
    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: Any, resource_name: str, cloudformation_json: Any, *args: Any,
               **kwargs: Any) -> Any:
        props = cloudformation_json.get("Properties", {})
        tags = props.get("Tags")
        if tags and all("Key" in t for t in tags):
            props = {**props, "Tags": [{"TagKey": t["Key"], "TagValue": t["Value"]}
                                       for t in tags]}
            cloudformation_json = {**cloudformation_json, "Properties": props}
        return original(cls, resource_name, cloudformation_json, *args, **kwargs)

    with _replaced(Key, "create_from_cloudformation_json", classmethod(create)):
        yield


@contextlib.contextmanager
def kms_key_policy_stored_as_dict() -> Iterator[None]:
    """moto's ``Key.create_from_cloudformation_json`` stores ``KeyPolicy`` as
    the template's object, where its KMS API keeps (and ``json.loads``) a JSON
    string: DescribeKey of a key made by CloudFormation fails (``TypeError``,
    HTTP 500 from the server). The patch serializes the policy, as
    CloudFormation does when it calls CreateKey."""
    import json

    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: Any, resource_name: str, cloudformation_json: Any, *args: Any,
               **kwargs: Any) -> Any:
        props = cloudformation_json.get("Properties", {})
        if isinstance(props.get("KeyPolicy"), dict):
            props = {**props, "KeyPolicy": json.dumps(props["KeyPolicy"])}
            cloudformation_json = {**cloudformation_json, "Properties": props}
        return original(cls, resource_name, cloudformation_json, *args, **kwargs)

    with _replaced(Key, "create_from_cloudformation_json", classmethod(create)):
        yield


@contextlib.contextmanager
def change_sets_found_by_name_alone() -> Iterator[None]:
    """moto's DescribeChangeSet, ExecuteChangeSet and DeleteChangeSet look a
    change set up by its name only, ignoring ``StackName``; the CDK CLI names
    every stack's change set ``cdk-deploy-change-set``, so the second stack's
    deploy describes and executes the first stack's change set. And a name
    that is not found answers ``ValidationError`` ("Stack with id ... does not
    exist") where AWS answers ``ChangeSetNotFoundException``, which the CLI
    waits for when it removes the previous change set of a second deploy. The
    patch resolves ``(StackName, ChangeSetName)`` to the change set's ARN
    before moto's lookup, and raises AWS's error when there is none."""
    from moto.cloudformation.exceptions import CloudFormationError
    from moto.cloudformation.models import CloudFormationBackend

    class ChangeSetNotFound(CloudFormationError):
        code = "ChangeSetNotFound"

        def __init__(self, name: str) -> None:
            super().__init__(f"ChangeSet [{name}] does not exist")

    def scoped(method: Any) -> Any:
        def lookup(self: Any, change_set_name: str, stack_name: str | None = None,
                   **kwargs: Any) -> Any:
            if change_set_name not in self.change_sets:
                found = [cs_id for cs_id, cs in self.change_sets.items()
                         if cs.change_set_name == change_set_name
                         and (not stack_name or stack_name in (cs.stack_name, cs.stack_id))]
                if not found:
                    raise ChangeSetNotFound(change_set_name)
                change_set_name = found[-1]
            if stack_name is not None:
                kwargs["stack_name"] = stack_name
            return method(self, change_set_name=change_set_name, **kwargs)
        return lookup

    from moto.cloudformation.responses import CloudFormationResponse

    def with_stack(action: str) -> Any:
        def respond(self: Any) -> Any:
            backend = self.cloudformation_backend
            method = getattr(backend, action)
            method(change_set_name=self._get_param("ChangeSetName"),
                   stack_name=self._get_param("StackName"))
            from moto.core.responses import EmptyResult
            return EmptyResult()
        return respond

    def describe(self: Any) -> Any:
        from moto.core.responses import ActionResult
        return ActionResult(self.cloudformation_backend.describe_change_set(
            change_set_name=self._get_param("ChangeSetName"),
            stack_name=self._get_param("StackName")))

    def backend_delete(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        del self.change_sets[change_set_name]

    def backend_describe(self: Any, change_set_name: str, stack_name: str | None = None) -> Any:
        return self.change_sets[change_set_name]

    execute = CloudFormationBackend.__dict__["execute_change_set"]
    with contextlib.ExitStack() as stack:
        stack.enter_context(_replaced(CloudFormationBackend, "describe_change_set",
                                      scoped(backend_describe)))
        stack.enter_context(_replaced(CloudFormationBackend, "delete_change_set",
                                      scoped(backend_delete)))
        stack.enter_context(_replaced(CloudFormationBackend, "execute_change_set",
                                      scoped(execute)))
        stack.enter_context(_replaced(CloudFormationResponse, "describe_change_set", describe))
        stack.enter_context(_replaced(CloudFormationResponse, "delete_change_set",
                                      with_stack("delete_change_set")))
        yield


#: What :func:`get_att_of_unmodelled_type_undefined` answers for an attribute
#: of a resource moto does not create: it names the resource, so a readback
#: sees which value was never realized.
UNMODELLED_ATTRIBUTE = "moto-unmodelled:{type}:{logical_id}.{attribute}"


@contextlib.contextmanager
def get_att_of_unmodelled_type_undefined() -> Iterator[None]:
    """moto skips a resource type it has no model for (``parse_resource``
    warns and creates nothing: ``AWS::CloudWatch::Alarm``, among others), and
    then ``Fn::GetAtt`` of it raises "references undefined resource", failing
    the stack (the prod dashboard names its alarms' ARNs). AWS would give the
    attribute. The patch answers :data:`UNMODELLED_ATTRIBUTE` for a resource
    that the template declares and moto cannot model, and leaves every other
    ``Fn::GetAtt`` (and every error about a resource the template lacks) to
    moto."""
    from moto.cloudformation import parsing

    original = parsing.clean_json

    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and "Fn::GetAtt" in resource_json:
            att = resource_json["Fn::GetAtt"]
            logical_id, attribute = (att if isinstance(att, list)
                                     else str(att).split(".", 1))
            declared = resources_map._resource_json_map.get(logical_id)
            if (declared is not None and resources_map.get(logical_id) is None
                    and parsing.resource_class_from_type(declared["Type"]) is None):
                return UNMODELLED_ATTRIBUTE.format(type=declared["Type"],
                                                   logical_id=logical_id,
                                                   attribute=attribute)
        return original(resource_json, resources_map)

    with _replaced(parsing, "clean_json", clean_json):
        yield


@contextlib.contextmanager
def nat_gateway_requires_a_subnet() -> Iterator[None]:
    """moto's ``NatGateway.create_from_cloudformation_json`` reads
    ``Properties["SubnetId"]`` unconditionally (``KeyError``), because moto
    models only zonal NAT gateways: an ENI in one subnet. A regional NAT
    gateway (``AvailabilityMode: regional``, only ``VpcId``; AWS places it in
    the AZs where the VPC has workloads) cannot be made. The patch records one
    in moto's EC2 with its VPC, no subnet, no addresses and no ENI, so routes
    can target it and DescribeNatGateways lists it; zonal ones are left to
    moto."""
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.nat_gateways import NatGateway
    from moto.ec2.utils import random_nat_gateway_id, random_private_ip

    original = NatGateway.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json.get("Properties", {})
        if "SubnetId" in props or props.get("AvailabilityMode") != "regional":
            return original(cls, resource_name, cloudformation_json, account_id, region_name,
                            **kwargs)
        from moto.core.utils import utcnow

        backend = ec2_backends[account_id][region_name]
        nat = object.__new__(NatGateway)
        nat.id = random_nat_gateway_id()
        nat.subnet_id = None
        nat.vpc_id = props["VpcId"]
        nat.address_set = []
        nat.state = "available"
        nat.private_ip = random_private_ip()
        nat.connectivity_type = props.get("ConnectivityType", "public")
        nat._created_at = utcnow()
        nat.ec2_backend = backend
        nat._eni = None
        nat.add_tags({t["Key"]: t["Value"] for t in props.get("Tags", [])})
        backend.nat_gateways[nat.id] = nat
        return nat

    with _replaced(NatGateway, "create_from_cloudformation_json", classmethod(create)):
        yield


@contextlib.contextmanager
def change_set_execution_without_outputs_or_exports() -> Iterator[None]:
    """moto's ``execute_change_set`` applies the change set's resources but
    keeps the stack's outputs as parsed from the empty template its
    CreateChangeSet started with, never registers the stack's exports, and
    creates the stack without the region's exports to import from
    (``cross_stack_resources``; ``create_stack`` does all three). After a CDK
    CLI deploy, DescribeStacks shows no outputs and a stack that imports
    another's (``Fn::ImportValue``) fails with "No export named ...". The
    patch hands the stack the region's exports before moto executes, and
    afterwards parses the outputs of the executed template and registers
    (or, on an update, replaces) the stack's exports, as ``create_stack`` and
    ``update_stack`` do."""
    from moto.cloudformation.models import CloudFormationBackend

    execute = CloudFormationBackend.__dict__["execute_change_set"]

    def execute_with_outputs(self: Any, change_set_name: str, stack_name: str | None = None,
                             **kwargs: Any) -> Any:
        change_set = (self.change_sets.get(change_set_name)
                      or next(cs for cs in self.change_sets.values()
                              if cs.change_set_name == change_set_name))
        stack = self.stacks[change_set.stack_id]
        stack.cross_stack_resources = self.exports
        stack.resource_map.cross_stack_resources = self.exports
        before = [e.name for e in stack.exports]
        result = execute(self, change_set_name=change_set_name, stack_name=stack_name, **kwargs)
        stack._parse_template()
        stack.output_map = stack._create_output_map()
        for name in before:
            self.exports.pop(name, None)
        self._validate_export_uniqueness(stack)
        for export in stack.exports:
            self.exports[export.name] = export
        return result

    with _replaced(CloudFormationBackend, "execute_change_set", execute_with_outputs):
        yield


@contextlib.contextmanager
def use_previous_value_reads_the_resolved_value() -> Iterator[None]:
    """On CreateChangeSet, moto answers ``UsePreviousValue`` with the stack's
    *resolved* parameters (``Stack.stack_parameters``): for an SSM-typed
    parameter (``AWS::SSM::Parameter::Value<...>``, the CDK's
    ``BootstrapVersion`` and AMI lookups) that is the parameter's value
    ("6", an AMI id), which moto then looks up as an SSM parameter name and
    fails with HTTP 500 (``'NoneType' object has no attribute 'value'``). The
    CDK CLI sends ``UsePreviousValue`` for every parameter of a stack it
    updates, defaulted ones included. AWS reuses the value the stack was
    given (the parameter *name*, or the template's default when none was
    given) and resolves it again; so does the patch, for the duration of
    CreateChangeSet only."""
    from moto.cloudformation.models import Stack
    from moto.cloudformation.responses import CloudFormationResponse

    create = CloudFormationResponse.__dict__["create_change_set"]

    def given(stack: Any) -> dict[str, Any]:
        slots = stack.resource_map._template.get("Parameters", {})
        values = {k: v["Default"] for k, v in slots.items() if "Default" in v}
        values.update(stack.resource_map.input_parameters or {})
        return values

    def create_with_given_values(self: Any) -> Any:
        with _replaced(Stack, "stack_parameters", property(given)):
            return create(self)

    with _replaced(CloudFormationResponse, "create_change_set", create_with_given_values):
        yield


@contextlib.contextmanager
def log_group_has_no_cloudformation_update() -> Iterator[None]:
    """moto's ``LogGroup`` has no ``update_from_cloudformation_json``. On a
    stack update, ``parse_and_update_resource`` then returns ``None`` for a
    changed ``AWS::Logs::LogGroup``, the group keeps its old settings, and
    ``ResourceMap.update`` stores ``None`` as the resource, so the group drops
    out of the stack's resources while the update reports UPDATE_COMPLETE.
    AWS updates ``RetentionInDays`` in place (no interruption); the patch
    does that on moto's group and keeps it in the stack. A change of
    ``LogGroupName`` (a replacement on AWS) is refused, not faked."""
    from moto.logs.models import LogGroup, logs_backends

    def update(cls: Any, original_resource: Any, new_resource_name: str,
               cloudformation_json: Any, account_id: str, region_name: str) -> Any:
        props = cloudformation_json.get("Properties", {})
        name = props.get("LogGroupName")
        if name is not None and name != original_resource.name:
            raise NotImplementedError("a renamed log group is a replacement; not patched")
        backend = logs_backends[account_id][region_name]
        if props.get("RetentionInDays") is None:
            backend.delete_retention_policy(original_resource.name)
        else:
            backend.put_retention_policy(original_resource.name, props["RetentionInDays"])
        return original_resource

    with _replaced(LogGroup, "update_from_cloudformation_json", classmethod(update)):
        yield


#: Runs one Lambda handler in a process of its own: the code folder and the
#: handler are argv[1:3], the event is stdin, the result goes to stdout.
_LAMBDA_RUNNER = r"""
import importlib, json, sys, time
sys.path.insert(0, sys.argv[1])
module, name = sys.argv[2].rsplit(".", 1)
deadline = time.monotonic() + float(sys.argv[3])
class Context:
    function_name = sys.argv[4]
    aws_request_id = "moto-local"
    def get_remaining_time_in_millis(self):
        return max(0, int((deadline - time.monotonic()) * 1000))
result = getattr(importlib.import_module(module), name)(json.loads(sys.stdin.read()), Context())
sys.stdout.write("\n" + json.dumps(result))
"""


@contextlib.contextmanager
def lambda_runs_only_in_docker(endpoint_url: str) -> Iterator[None]:
    """moto runs a Lambda function's code only in a Docker container pulled
    from a public registry (``LambdaFunction._invoke_lambda``), and a custom
    resource's ``ResponseURL`` names ``host.docker.internal:5000``
    (``CustomModel``): with no Docker, a custom resource backed by an inline
    handler never answers. The patch runs Python functions whose code is in
    the template (``ZipFile``) in a subprocess of this interpreter, with the
    function's environment, its timeout, dummy credentials and boto3 pointed
    at ``endpoint_url`` (the moto server, so the handler acts on the
    emulator), and rewrites the response URL to the same server. Other
    runtimes and code from S3 are left to moto."""
    import io
    import json
    import subprocess
    import sys
    import tempfile
    import zipfile

    from moto.awslambda.models import LambdaFunction

    original = LambdaFunction.__dict__["_invoke_lambda"]

    def invoke(self: Any, event: Any = None) -> tuple[str, bool, str]:
        if not (str(self.run_time or "").startswith("python") and "ZipFile" in self.code
                and self.code_bytes):
            return original(self, event)  # type: ignore[no-any-return]
        if isinstance(event, dict) and "ResponseURL" in event:
            path = event["ResponseURL"].split("/cloudformation_", 1)[1]
            event = {**event, "ResponseURL": f"{endpoint_url}/cloudformation_{path}"}
        env = {
            "PATH": "/usr/bin:/bin",
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region,
            "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_EC2_METADATA_DISABLED": "true", "NO_PROXY": "*",
            "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
            **{k: str(v) for k, v in (self.environment_vars or {}).items()},
        }
        timeout = float(self.timeout or 3)
        with tempfile.TemporaryDirectory(prefix="moto-lambda-") as code_dir:
            with zipfile.ZipFile(io.BytesIO(self.code_bytes)) as z:
                z.extractall(code_dir)
            try:
                done = subprocess.run(
                    [sys.executable, "-c", _LAMBDA_RUNNER, code_dir, self.handler,
                     str(timeout), self.function_name],
                    input=json.dumps(event or {}), capture_output=True, text=True,
                    env=env, cwd=code_dir, timeout=timeout + 5, check=False)
            except subprocess.TimeoutExpired as err:
                return json.dumps({"errorMessage": f"timed out: {err}"}), True, ""
        logs = done.stderr
        self.logs_backend.ensure_log_group(self.logs_group_name)
        self.save_logs(logs)
        if done.returncode != 0:
            return json.dumps({"errorMessage": logs[-2000:]}), True, logs
        return done.stdout.rsplit("\n", 1)[-1], False, logs

    with _replaced(LambdaFunction, "_invoke_lambda", invoke):
        yield


@contextlib.contextmanager
def for_the_cdk_cli(endpoint_url: str) -> Iterator[None]:
    """Every patch the CDK CLI's bootstrap, deploy and destroy need, on top
    of :func:`applied`."""
    with applied(), kms_key_tags_read_as_tag_key(), kms_key_policy_stored_as_dict(), \
            change_set_execution_without_outputs_or_exports(), change_sets_found_by_name_alone(), \
            lambda_runs_only_in_docker(endpoint_url), \
            get_att_of_unmodelled_type_undefined(), nat_gateway_requires_a_subnet(), \
            use_previous_value_reads_the_resolved_value(), log_group_has_no_cloudformation_update():
        yield
