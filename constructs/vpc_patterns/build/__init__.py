"""The build layer: CDK constructs that turn a plan into CloudFormation
resources. Every module here imports aws_cdk; decisions belong to the plan
layer (:mod:`vpc_patterns.plan`), which each construct calls first, so bad
input fails before the first resource exists."""
