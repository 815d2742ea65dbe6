"""`fargate-compile deploy`: compiled templates to a running stack, through a change set.

    session.py     boto3 sessions the AWS way (default chain, --profile, --region,
                   AWS_ENDPOINT_URL); AWS faults become AwsUnavailable / AwsRefused
    artifacts.py   the artifacts bucket (made once per account and region) and the
                   content-addressed upload of the nested templates
    stackstate.py  the deployed stack read back: templates (root and nested) and the
                   placement record its root carries
    changeset.py   create, wait for, summarize, execute or delete the change set
    preview.py     what the change set does: our diff plus CloudFormation's summary (pure)
    progress.py    stack events while it runs; the failure report (pure parts apart)

This package is the only code that imports boto3: no other command needs AWS
credentials, or even the SDK in memory (tests/test_deploy_cli.py checks it).
"""

from __future__ import annotations


class AwsUnavailable(Exception):
    """No credentials, no region, or AWS cannot be reached: nothing was changed (exit 2)."""


class AwsRefused(Exception):
    """An AWS call failed for a reason AWS gave (access denied, a bad bucket...): exit 2."""
