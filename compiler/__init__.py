"""fargate-compile: one YAML spec in, lint-clean nested CloudFormation out.

The pipeline (see pipeline.py): load -> schema -> checks -> normalize -> stacks
-> lint -> write. Every stage is a function; only cli.py talks to the terminal.
"""

__version__ = "0.1.0"
