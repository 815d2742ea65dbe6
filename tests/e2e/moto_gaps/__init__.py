"""The gaps of moto's CloudFormation emulation, one module per AWS service (see moto_compat.py)."""
