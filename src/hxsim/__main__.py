"""``python -m hxsim``: the command line."""

import sys

from hxsim.cli import main

sys.exit(main())
