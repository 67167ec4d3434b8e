"""KMS keys and encrypted topics the constructs share, written once.

* :func:`customer_key`: every key the library creates: rotation on, and a
  key-policy statement that lets only AWS services create grants on it (AWS
  Control Tower's proactive control CT.KMS.PR.3: a principal allowed
  ``kms:CreateGrant`` could otherwise hand the key on to anyone).
* :func:`logs_key`: a key (rotation on) that CloudWatch Logs of this account
  and region may use for its log groups, and nothing else may, beyond the
  account's own administrators (the CDK's default key policy).
* :func:`encrypted_alarm_topic`: an SNS topic for CloudWatch alarm actions,
  encrypted with its own rotated key, publishing only over TLS, and only by
  CloudWatch alarms of this account.
"""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

#: The statement CT.KMS.PR.3 asks for, as its rule reads it: deny
#: ``kms:CreateGrant`` to everyone unless the grant is for an AWS resource
#: (EBS, RDS, ... create grants for their volumes) or the caller is an AWS
#: service principal (``BoolIfExists``: a missing key counts as false).
GRANTS_FOR_AWS_SERVICES_ONLY_SID = "DenyGrantsExceptForAwsServices"


def limit_grants_to_aws_services(key: kms.Key) -> None:
    """Add the CT.KMS.PR.3 statement to ``key``'s policy."""
    key.add_to_resource_policy(iam.PolicyStatement(
        sid=GRANTS_FOR_AWS_SERVICES_ONLY_SID,
        effect=iam.Effect.DENY,
        principals=[iam.AnyPrincipal()],
        actions=["kms:CreateGrant"],
        resources=["*"],
        conditions={"BoolIfExists": {"kms:GrantIsForAWSResource": "false",
                                     "aws:PrincipalIsAWSService": "false"}},
    ))


def customer_key(scope: Construct, id: str, *, description: str,
                 removal_policy: RemovalPolicy) -> kms.Key:
    """A KMS key with rotation on whose grants only AWS services can create."""
    key = kms.Key(scope, id, description=description, enable_key_rotation=True,
                  removal_policy=removal_policy)
    limit_grants_to_aws_services(key)
    return key


def logs_key(scope: Construct, id: str, *, description: str,
             removal_policy: RemovalPolicy) -> kms.Key:
    """A KMS key (rotation on) for CloudWatch Logs log groups of this account."""
    key = customer_key(scope, id, description=description, removal_policy=removal_policy)
    stack = Stack.of(scope)
    groups = f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
    key.add_to_resource_policy(iam.PolicyStatement(
        sid="AllowCloudWatchLogsOfThisAccount",
        principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
        actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                 "kms:Describe*"],
        resources=["*"],
        conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": groups}},
    ))
    return key


def encrypted_alarm_topic(scope: Construct, *, display_name: str, key_description: str,
                          removal_policy: RemovalPolicy) -> tuple[sns.Topic, kms.Key]:
    """The alarm topic (construct ids ``AlarmTopic`` and ``AlarmTopicKey``
    under ``scope``) and its key."""
    stack = Stack.of(scope)
    key = customer_key(scope, "AlarmTopicKey", description=key_description,
                       removal_policy=removal_policy)
    # CloudWatch publishes to an encrypted topic with the service's own
    # identity, so the key must let it create and use data keys.
    key.add_to_resource_policy(iam.PolicyStatement(
        sid="AllowCloudWatchAlarmsToUseTheKey",
        principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions=["kms:Decrypt", "kms:GenerateDataKey*"],
        resources=["*"],
    ))
    topic = sns.Topic(scope, "AlarmTopic", master_key=key, enforce_ssl=True,
                      display_name=display_name)
    alarms = f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:*"
    topic.add_to_resource_policy(iam.PolicyStatement(
        sid="AllowCloudWatchAlarmsOfThisAccount",
        principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions=["sns:Publish"],
        resources=[topic.topic_arn],
        conditions={
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {"aws:SourceArn": alarms},
        },
    ))
    return topic, key
