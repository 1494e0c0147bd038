#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth -c env=dev` (or prod); see infra/ and the README's Deploy part."""

from aws_cdk import App

from infra.system import build

app = App()
build(app)
app.synth()
