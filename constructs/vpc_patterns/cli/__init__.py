"""The command line: ``python -m vpc_patterns plan | verify | report | cost |
vpn-config``. Each command parses its arguments and calls the plan or check
layer; nothing here needs aws_cdk."""
