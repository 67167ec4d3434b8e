"""``python -m vpc_patterns``: the command line (see :mod:`vpc_patterns.cli`)."""

import sys

from vpc_patterns.cli.main import main

sys.exit(main())
