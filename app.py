#!/usr/bin/env python3
"""The vpc_patterns reference app: one network stack per environment in cdk.json."""

import os

# The CDK's built-in CloudFormation validator costs ~40% of synthesis; `make
# synth` lints the same templates with cfn-lint. CDK_VALIDATION=true (or any
# value but "false") in the environment turns it back on.
os.environ.setdefault("CDK_VALIDATION", "false")

from aws_cdk import App

from stacks.app_builder import build_app

app = App()
build_app(app)
app.synth()
