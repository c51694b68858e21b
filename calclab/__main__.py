"""`python -m calclab` runs the same entry point as the `calclab` command."""

import sys

from calclab.cli import main

sys.exit(main())
