"""The emulator the e2e tests deploy into: moto's server, in this process, on 127.0.0.1.

One server per test session (moto patched first by moto_compat, see there), on a
free port of the loopback interface only, stopped when the session ends. Each
deployment starts from an empty emulator (POST /moto-api/reset).

Everything that talks to "AWS" is pointed at it:
- the real AWS CLI runs as a process of its own (forked from a zygote that
  imported it once: aws_cli.py) with fake credentials, a throwaway
  config file (path-style S3 addressing) and AWS_ENDPOINT_URL /
  AWS_ENDPOINT_URL_S3; an unreachable proxy catches any request that would
  still leave the machine, and the instance metadata service is off;
- boto3 clients are made by `Emulator.client`, always with an explicit
  endpoint_url.

S3 is addressed as http://localhost:PORT on purpose: `aws cloudformation package`
writes the S3 endpoint into every nested TemplateURL, and moto only reads
path-style TemplateURLs whose host is "localhost".
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import aws_cli

from compiler.stacks.iam import partition_of  # the same partition rule the templates are built with

REGION = "us-east-1"            # where a spec is deployed unless it names its region
ACCOUNT = "123456789012"        # moto's default account: the one every deployment lands in
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing"}
# Any request not sent to the emulator goes to this proxy, where nothing listens.
DEAD_PROXY = "http://127.0.0.1:9"


class CommandFailed(AssertionError):
    pass


@dataclass(frozen=True)
class Emulator:
    port: int
    config_dir: Path
    region: str = REGION
    _clients: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def partition(self) -> str:
        """The ARN partition of this region."""
        return partition_of(self.region)

    def in_region(self, region: str) -> "Emulator":
        """The same emulator, with the CLI and clients pointed at another region."""
        if region == self.region:
            return self
        return dataclasses.replace(self, region=region, _clients={})

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def s3_endpoint(self) -> str:
        return f"http://localhost:{self.port}"

    def env(self) -> dict[str, str]:
        """The environment of an AWS CLI subprocess: the emulator's, and nothing of the user's."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("AWS_") and k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
        env.update(FAKE_CREDENTIALS)
        env.update({
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_CONFIG_FILE": str(self.config_dir / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.config_dir / "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ENDPOINT_URL_S3": self.s3_endpoint,
            "AWS_PAGER": "",
            "HTTP_PROXY": DEAD_PROXY,
            "HTTPS_PROXY": DEAD_PROXY,
            "NO_PROXY": "127.0.0.1,localhost",
        })
        return env

    def aws(self, *args: str, cwd: Path | None = None) -> str:
        """Run the real AWS CLI (awscli from PyPI) against the emulator; its stdout.

        Each command is a process of its own, forked from a zygote that imported awscli
        once (aws_cli.py), with this environment and working directory."""
        done = aws_cli.run(list(args), env=self.env(), cwd=cwd, timeout=300)
        if done.returncode != 0:
            raise CommandFailed(
                f"aws {' '.join(args)} exited {done.returncode}\n"
                f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
            )
        return done.stdout

    def client(self, service: str):
        """A boto3 client of the emulator (made once per service: botocore is slow to load one)."""
        if service not in self._clients:
            self._clients[service] = self._new_client(service)
        return self._clients[service]

    def _new_client(self, service: str):
        session = _session(self.region)
        from botocore.config import Config

        endpoint = self.s3_endpoint if service == "s3" else self.endpoint
        config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                        proxies={})
        return session.client(service, endpoint_url=endpoint, config=config)

    def create_bucket(self, name: str) -> None:
        """An S3 bucket in this region (S3 wants a location constraint outside us-east-1)."""
        where = {} if self.region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": self.region}}
        self.client("s3").create_bucket(Bucket=name, **where)

    def provide_zones(self, names: list[str]) -> list[str]:
        """Make the Availability Zones a spec names exist in the emulated account.

        Zone names are per account on AWS (us-west-1 shows some accounts a+b and
        others b+c); moto knows one fixed list per Region. A zone the spec names
        that moto lacks is added to moto's (process-wide) table; the names added
        are returned so that forget_zones() can take them out again.
        """
        from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend, Zone

        table = RegionsAndZonesBackend.zones.setdefault(self.region, [])
        added = []
        for name in names:
            if all(z.name != name for z in table):
                table.append(Zone(name=name, region_name=self.region,
                                  zone_id=f"{self.region}-e2e-{name[len(self.region):]}"))
                added.append(name)
        return added

    def forget_zones(self, names: list[str]) -> None:
        from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend

        table = RegionsAndZonesBackend.zones.get(self.region, [])
        table[:] = [z for z in table if z.name not in names]

    @contextlib.contextmanager
    def fixed_id(self, kind: str, resource_id: str):
        """The next `kind` ("vpc", "subnet", "route_table") EC2 creates gets `resource_id`.

        An existing VPC is named by its IDs in the spec, and EC2's API cannot choose an
        ID; moto's (in-process) generator for that kind is pointed at the spec's ID for
        the one create call made inside this block.
        """
        import moto.ec2.models.route_tables as route_tables
        import moto.ec2.models.subnets as subnets
        import moto.ec2.models.vpcs as vpcs

        module = {"vpc": vpcs, "subnet": subnets, "route_table": route_tables}[kind]
        name = f"random_{kind}_id"
        original = getattr(module, name)
        setattr(module, name, lambda: resource_id)
        try:
            yield
        finally:
            setattr(module, name, original)

    def provide_certificate(self, arn: str) -> None:
        """Make the ACM certificate a spec names exist, as it does in the user's account.

        The ALB listener refuses an unknown certificate (as AWS does). ACM's API
        cannot choose an ARN, so the emulator issues one in the account and region
        the stack is deployed to, and it is re-filed under the spec's ARN in the
        (in-process) ACM backend.
        """
        from moto.acm.models import acm_backends

        issued = self.client("acm").request_certificate(DomainName="example.com")["CertificateArn"]
        backend = acm_backends[ACCOUNT][self.region]
        bundle = backend._certificates.pop(issued)
        bundle.arn = arn
        backend._certificates[arn] = bundle

    def provide_hosted_zone(self, zone_id: str, domain: str) -> None:
        """Make the public Route 53 hosted zone a spec's `hosted_zone` names exist.

        Route 53 chooses zone IDs, so the zone is created through the API and
        re-filed under the spec's ID in the (in-process, global) Route 53 backend.
        """
        from moto.route53.models import route53_backends

        created = self.client("route53").create_hosted_zone(
            Name=domain, CallerReference=f"e2e-{zone_id}")["HostedZone"]["Id"].split("/")[-1]
        backend = route53_backends[ACCOUNT][self.partition]
        zone = backend.zones.pop(created)
        zone.resource_id = zone_id
        backend.zones[zone_id] = zone

    def provide_file_system(self, file_system_id: str) -> None:
        """Make an existing EFS file system a spec names by ID (`efs: {id: fs-...}`) exist.

        EFS chooses file system IDs, so it is created through the API and re-filed
        under the spec's ID in the (in-process) EFS backend.
        """
        from moto.efs.models import efs_backends

        created = self.client("efs").create_file_system(
            CreationToken=f"e2e-{file_system_id}", Encrypted=True)["FileSystemId"]
        backend = efs_backends[ACCOUNT][self.region]
        fs = backend.file_systems_by_id.pop(created)
        fs.file_system_id = file_system_id
        fs.file_system_arn = fs.file_system_arn.rsplit("/", 1)[0] + "/" + file_system_id
        backend.file_systems_by_id[file_system_id] = fs

    def provide_managed_policy(self, arn: str) -> None:
        """Make a customer managed policy a spec attaches exist (AWS managed ones always do).

        It is created through IAM in the deployment's account and re-filed under
        the spec's ARN, so an ARN naming another account still resolves.
        """
        from moto.iam.models import iam_backends
        from moto.utilities.utils import get_partition

        if arn.split(":")[4] == "aws":
            return
        path_and_name = arn.split(":policy", 1)[1]            # "/path/name"
        path, name = path_and_name.rsplit("/", 1)
        created = self.client("iam").create_policy(
            PolicyName=name, Path=f"{path}/",
            PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                           '"Action": "sts:GetCallerIdentity", "Resource": "*"}]}',
        )["Policy"]["Arn"]
        backend = iam_backends[ACCOUNT][get_partition(self.region)]
        policy = backend.managed_policies.pop(created)
        policy.account_id = arn.split(":")[4]                 # its arn is made of these
        assert policy.arn == arn, (policy.arn, arn)
        backend.managed_policies[arn] = policy

    def forget_clients(self) -> None:
        """Drop the boto3 clients made so far (~3-7 MB each); client() makes them again."""
        self._clients.clear()

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST", data=b"")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=30) as response:
            assert response.status == 200
        _drop_reset_backends()


@functools.cache
def _session(region: str):
    """One boto3 session per Region for the whole run: a session loads botocore's endpoint
    data and each service model once, for every client made from it (a new session per
    client loaded them again, and every Emulator.in_region copy makes its clients anew)."""
    import boto3

    return boto3.session.Session(
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
        region_name=region,
    )


def _drop_reset_backends() -> None:
    """Let go of the backends a reset replaced (the server is in this process).

    Two caches of moto 5.2.5 keep every backend alive after a reset: the unbounded
    functools.cache on Subnet._base_avail_ip_iterator (every subnet -> its EC2 backend,
    with its ~1300 AMIs, snapshots and volumes: ~4 MB per reset, for good) and the
    lru_cache (128 entries) on AccountSpecificBackend._generate_regions, keyed by the
    account's backend. Right after a reset no backend exists yet (moto makes new ones
    on the next request), so nothing current is cleared.
    """
    from moto.core.base_backend import AccountSpecificBackend
    from moto.ec2.models.subnets import Subnet

    Subnet._base_avail_ip_iterator.cache_clear()
    AccountSpecificBackend._generate_regions.cache_clear()
