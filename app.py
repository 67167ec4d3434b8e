#!/usr/bin/env python3
"""The vpc_patterns reference app: one network stack per environment in cdk.json."""

from aws_cdk import App

from stacks.app_builder import build_app

app = App()
build_app(app)
app.synth()
