"""AWS sessions the AWS way, and AWS faults as messages.

Credentials come from boto3's default chain (environment, `--profile` or AWS_PROFILE,
SSO, assumed roles from the config file, container and instance roles); the region
from `--region`, else AWS_REGION, else AWS_DEFAULT_REGION, else the profile. The SDK also
reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> (botocore >= 1.31.57), which
is how the tests point the command at a local emulator.

Every boto3/botocore exception that means "nothing was changed because AWS could not
be asked" becomes AwsUnavailable, and an error AWS answered with becomes AwsRefused:
the command prints one line, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field

import boto3
import botocore.exceptions as bx
from botocore.config import Config

from compiler.deploy import AwsRefused, AwsUnavailable

# Errors AWS returns when the credentials themselves are the problem.
_CREDENTIAL_CODES = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId",
                     "UnrecognizedClientException", "SignatureDoesNotMatch", "AuthFailure",
                     "InvalidAccessKeyId", "RequestExpired"}


@dataclass
class Aws:
    """One account and region: clients made once each."""

    session: boto3.session.Session
    region: str
    _clients: dict = field(default_factory=dict, repr=False)

    def client(self, service: str):
        if service not in self._clients:
            config = Config(retries={"mode": "standard", "max_attempts": 4},
                            user_agent_extra="fargate-compile", connect_timeout=10, read_timeout=60)
            with faults():
                self._clients[service] = self.session.client(service, region_name=self.region, config=config)
        return self._clients[service]

    def account(self) -> str:
        """The account the credentials belong to (the first call: it proves they work)."""
        with faults("reading the caller's identity (sts:GetCallerIdentity)"):
            return self.client("sts").get_caller_identity()["Account"]


def connect(profile: str | None = None, region: str | None = None) -> Aws:
    # AWS_REGION is what the other SDKs and the CLI v2 read; the pinned botocore (1.35) reads
    # only AWS_DEFAULT_REGION and the profile (tested), so it is passed on here, before both.
    region = region or os.environ.get("AWS_REGION") or None
    with faults():
        session = boto3.session.Session(profile_name=profile, region_name=region)
    if not session.region_name:
        raise AwsUnavailable("no AWS region: pass --region, or set AWS_REGION (or `region` in your profile)")
    return Aws(session, session.region_name)


def describe(exc: BaseException, doing: str = "") -> Exception | None:
    """The AwsUnavailable / AwsRefused that `exc` means, or None if it is not an AWS fault."""
    where = f" while {doing}" if doing else ""
    if isinstance(exc, (AwsUnavailable, AwsRefused)):
        return exc
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return AwsUnavailable("no AWS credentials found: set AWS_PROFILE (or pass --profile), or "
                              "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role provides them")
    if isinstance(exc, bx.NoRegionError):
        return AwsUnavailable("no AWS region: pass --region, or set AWS_REGION")
    if isinstance(exc, bx.ProfileNotFound):
        return AwsUnavailable(f"{exc} (see `aws configure list-profiles`)")
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError,
                        bx.ConnectionClosedError)):
        return AwsUnavailable(f"cannot reach AWS{where}: {exc}")
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "?"), error.get("Message", str(exc))
        if code in _CREDENTIAL_CODES:
            return AwsUnavailable(f"the AWS credentials were refused{where}: {code}: {message}")
        return AwsRefused(f"AWS refused{where}: {code}: {message}")
    if isinstance(exc, bx.BotoCoreError):
        return AwsUnavailable(f"AWS SDK error{where}: {exc}")
    return None


@contextlib.contextmanager
def faults(doing: str = ""):
    """Re-raise AWS faults inside the block as AwsUnavailable / AwsRefused."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - translated or re-raised unchanged
        translated = describe(exc, doing)
        if translated is None or translated is exc:
            raise
        raise translated from None


def error_code(exc: BaseException) -> str | None:
    return exc.response.get("Error", {}).get("Code") if isinstance(exc, bx.ClientError) else None
