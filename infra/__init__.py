"""AWS CDK app of Nudge: one stack per module, wired together by infra.system.build()."""
