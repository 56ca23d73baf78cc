"""`python -m resonant` is the `resonant` command."""

import sys

from resonant.cli import main

sys.exit(main())
