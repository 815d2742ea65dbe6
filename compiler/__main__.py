"""`python -m compiler` is the same program as `fargate-compile`."""

import sys

from compiler.cli import main

if __name__ == "__main__":
    sys.exit(main())
