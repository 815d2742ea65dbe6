"""Gaps of moto's S3 models: bucket policies, and bucket properties moto drops."""

from __future__ import annotations

from typing import Any

from .base import AddedModel, after_create


# --- Gap 11 ------------------------------------------------------------------
# AWS::S3::BucketPolicy is not a CloudFormation type in moto: skipped, so a
# bucket the stack locks down has no policy at all. Put it on the bucket.
def bucket_policy() -> None:
    import json

    from moto.core.common_models import CloudFormationModel
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    class BucketPolicy(AddedModel, CloudFormationModel):
        __module__ = "moto.s3.models"
        cfn_type = "AWS::S3::BucketPolicy"

        def __init__(self, name: str, bucket: str):
            self.name = name
            self.bucket = bucket

        @property
        def physical_resource_id(self) -> str:
            return self.name

        @classmethod
        def create(cls, props: dict, resource_name: str, account_id: str, region_name: str) -> Any:
            document = props["PolicyDocument"]
            if not isinstance(document, str):
                document = json.dumps(document)
            backend = s3_backends[account_id][get_partition(region_name)]
            backend.put_bucket_policy(props["Bucket"], document.encode())
            return cls(resource_name, props["Bucket"])

        def delete(self, account_id: str, region_name: str) -> None:
            s3_backends[account_id][get_partition(region_name)].delete_bucket_policy(self.bucket)


# --- Gap 15 ------------------------------------------------------------------
# AWS::S3::Bucket: moto keeps BucketEncryption and Tags only.
# PublicAccessBlockConfiguration, VersioningConfiguration and OwnershipControls
# are dropped, so a locked-down bucket reads back as an open one. Apply them.
def bucket() -> None:
    from moto.s3.models import FakeBucket, s3_backends
    from moto.utilities.utils import get_partition

    @after_create(FakeBucket)
    def configure(bucket: FakeBucket, props: dict, account_id: str, region_name: str) -> None:
        backend = s3_backends[account_id][get_partition(region_name)]
        if props.get("PublicAccessBlockConfiguration"):
            backend.put_public_access_block(bucket.name, props["PublicAccessBlockConfiguration"])
        if props.get("VersioningConfiguration"):
            backend.put_bucket_versioning(bucket.name, props["VersioningConfiguration"]["Status"])
        rules = (props.get("OwnershipControls") or {}).get("Rules") or []
        if rules:
            backend.put_bucket_ownership_controls(bucket.name, rules[0]["ObjectOwnership"])
