"""KMS keys and encrypted topics the constructs share, written once.

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


def logs_key(scope: Construct, id: str, *, description: str,
             removal_policy: RemovalPolicy) -> kms.Key:
    """A KMS key (rotation on) for CloudWatch Logs log groups of this account."""
    key = kms.Key(scope, id, description=description, enable_key_rotation=True,
                  removal_policy=removal_policy)
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
    key = kms.Key(scope, "AlarmTopicKey", description=key_description,
                  enable_key_rotation=True, removal_policy=removal_policy)
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
