"""The artifacts bucket and the upload of a compiled app's templates into it.

As `aws cloudformation package` does, each nested template is uploaded and the root's
local `TemplateURL` (`./services.json`) is rewritten to the upload's URL. Keys are
content-addressed, `<stack>/<sha256 of the file>/<file name>`: a child whose bytes did
not change keeps its URL, so the root's stack resource does not change for it. The
rewritten root is uploaded the same way (a change set reads its template from S3, so
the root is not held to the 51,200-byte limit of a template sent in the request).

Without `--bucket`, the command uses `fargate-compile-artifacts-<account>-<region>`,
making it the first time, like the CDK's bootstrap bucket: SSE-S3 encryption, every
public access block on, a policy that refuses requests without TLS, and a lifecycle
rule that expires artifacts after ARTIFACT_DAYS (CloudFormation reads them only while
a stack is created or updated; a rollback uses the copy CloudFormation keeps).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from compiler.deploy import AwsRefused
from compiler.deploy.session import error_code, faults
from compiler.diff.templates import STACK, TemplateSet

ARTIFACT_DAYS = 30


def default_bucket(account: str, region: str) -> str:
    return f"fargate-compile-artifacts-{account}-{region}"


def bucket_policy(bucket: str, partition: str = "aws") -> dict:
    arn = f"arn:{partition}:s3:::{bucket}"
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyWithoutTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}


LIFECYCLE = {"Rules": [{
    "ID": "fargate-compile-expire-artifacts", "Status": "Enabled", "Filter": {"Prefix": ""},
    "Expiration": {"Days": ARTIFACT_DAYS},
    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]}


def ensure_bucket(s3, name: str, region: str, create: bool, partition: str = "aws") -> bool:
    """True if the bucket was made now. `create`: make it when missing (the default bucket);
    a bucket the user named must exist."""
    try:
        with faults(f"looking for the artifacts bucket {name}"):
            s3.head_bucket(Bucket=name)
        return False
    except AwsRefused as exc:
        cause = exc.__cause__ or exc.__context__
        if error_code(cause) not in ("404", "NoSuchBucket", "NotFound"):
            raise AwsRefused(f"the artifacts bucket {name} exists but cannot be used "
                             f"(another account's, or no s3:ListBucket on it): {exc}") from None
    if not create:
        raise AwsRefused(f"the artifacts bucket {name} does not exist (create it, or leave out --bucket "
                         "to use the one fargate-compile makes)")
    where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    with faults(f"creating the artifacts bucket {name}"):
        s3.create_bucket(Bucket=name, **where)
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(bucket_policy(name, partition)))
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration=LIFECYCLE)
    return True


def key_for(stack_name: str, file_name: str, body: bytes, prefix: str = "") -> str:
    return f"{prefix}{stack_name}/{hashlib.sha256(body).hexdigest()}/{file_name}"


def url_for(s3, bucket: str, key: str) -> str:
    """A path-style URL on the client's endpoint, as `aws cloudformation package` writes it."""
    return f"{s3.meta.endpoint_url.rstrip('/')}/{bucket}/{key}"


@dataclass
class Packaged:
    root_url: str
    urls: dict[str, str]            # file name -> its URL (the root's too)
    root: dict                      # the root template with its TemplateURLs rewritten


def package(side: TemplateSet, stack_name: str, bucket: str, prefix: str = "") -> tuple[dict, dict[str, bytes]]:
    """Pure part: (rewritten root, {key: bytes to upload}); URLs are `s3://`-less placeholders
    filled by upload(). Children are uploaded byte for byte as the compiler wrote them."""
    directory = Path(side.directory)
    bodies = {}
    keys = {}
    for child in sorted(side.stack_of):
        body = (directory / child).read_bytes()
        keys[child] = key_for(stack_name, child, body, prefix)
        bodies[keys[child]] = body
    root = json.loads(json.dumps(side.templates[side.root]))
    for logical_id, resource in (root.get("Resources") or {}).items():
        if isinstance(resource, dict) and resource.get("Type") == STACK and logical_id in side.file_of:
            resource["Properties"]["TemplateURL"] = {"key": keys[side.file_of[logical_id]]}
    return root, bodies


def upload(s3, side: TemplateSet, stack_name: str, bucket: str, prefix: str = "") -> Packaged:
    root, bodies = package(side, stack_name, bucket, prefix)
    urls = {}
    for logical_id, resource in (root.get("Resources") or {}).items():
        url = (resource.get("Properties") or {}).get("TemplateURL") if isinstance(resource, dict) else None
        if isinstance(url, dict) and "key" in url:
            resource["Properties"]["TemplateURL"] = url_for(s3, bucket, url["key"])
            urls[side.file_of[logical_id]] = resource["Properties"]["TemplateURL"]
    root_body = (json.dumps(root, indent=2, sort_keys=False) + "\n").encode()
    root_name = Path(side.root).with_suffix(".json").name
    root_key = key_for(stack_name, root_name, root_body, prefix)
    bodies[root_key] = root_body
    try:
        with faults(f"uploading the templates to s3://{bucket}"):
            for key, body in bodies.items():
                s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
    except AwsRefused as exc:
        if s3.meta.endpoint_url.startswith("http://"):
            raise AwsRefused(f"{exc} (the S3 endpoint {s3.meta.endpoint_url} is plain HTTP, and a bucket "
                             "made by fargate-compile takes TLS requests only: use https, or --bucket "
                             "with a bucket of your own)") from None
        raise
    urls[side.root] = url_for(s3, bucket, root_key)
    return Packaged(urls[side.root], urls, root)
