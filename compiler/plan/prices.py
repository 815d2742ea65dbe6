"""The price table: compiler/data/prices.json, per region, with its date and sources.

The figures are AWS on-demand list prices as known on the file's `taken` date,
copied by hand from the public pricing pages the file names. Nothing is fetched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from importlib import resources
from typing import Any, Mapping

DEFAULT_REGION = "us-east-1"


class UnknownRegion(ValueError):
    """A region the price table has no prices for (a usage error)."""

    def __init__(self, region: str, known: tuple[str, ...]):
        super().__init__(f"no prices for region {region!r}; the price table has: {', '.join(known)}")
        self.region = region
        self.known = known


@dataclass(frozen=True)
class RegionPrices:
    """USD list prices of one region; `_hour` per hour, `_gb` per GB."""

    region: str
    name: str
    nat_hour: float
    nat_gb: float
    interface_endpoint_hour: float    # per endpoint per zone
    interface_endpoint_gb: float
    alb_hour: float
    alb_lcu_hour: float
    nlb_lcu_hour: float               # NLCU-hour (us-east-1's, for every region); NLB hours cost alb_hour
    fargate_vcpu_hour: float
    fargate_gb_hour: float
    fargate_arm_vcpu_hour: float
    fargate_arm_gb_hour: float
    logs_ingest_gb: float             # CloudWatch Logs standard ingestion (container logs)
    vended_logs_gb: float             # vended logs, first tier (VPC flow logs to CloudWatch Logs)
    # The same in every region:
    public_ipv4_hour: float
    inter_az_gb_each_way: float
    hosted_zone_month: float
    fargate_spot_discount: float      # fraction off on-demand
    sns_publish_million: float        # per million publish requests (64 KB chunks)
    sqs_standard_million: float       # per million requests, standard queues
    sqs_fifo_million: float           # per million requests, FIFO queues
    step_functions_transition_thousand: float  # standard workflows, per 1,000 state transitions
    alarm_metric_month: float         # CloudWatch alarm, per metric per month
    efs_standard_gb_month: float      # EFS Standard storage (us-east-1's, for every region)
    efs_elastic_read_gb: float        # EFS Elastic Throughput, per GB read
    efs_elastic_write_gb: float       # ... per GB written
    efs_backup_gb_month: float        # AWS Backup, EFS warm backup storage


@dataclass(frozen=True)
class PriceTable:
    taken: str                        # the date the prices were taken, ISO
    currency: str
    hours_per_month: int
    sources: tuple[tuple[str, str], ...]
    spot_note: str
    regions: Mapping[str, RegionPrices]

    @property
    def region_names(self) -> tuple[str, ...]:
        return tuple(sorted(self.regions))

    def region(self, name: str) -> RegionPrices:
        if name not in self.regions:
            raise UnknownRegion(name, self.region_names)
        return self.regions[name]

    @property
    def label(self) -> str:
        return f"list prices as known on {self.taken}"


def parse(data: Mapping[str, Any]) -> PriceTable:
    shared = {k: v for k, v in data["global"].items() if not k.endswith("_note")}
    wanted = {f.name for f in fields(RegionPrices)} - {"region"}
    regions = {}
    for name, values in data["regions"].items():
        merged = {**shared, **values}
        regions[name] = RegionPrices(region=name, **{k: merged[k] for k in wanted})
    return PriceTable(
        taken=data["taken"],
        currency=data["currency"],
        hours_per_month=data["hours_per_month"],
        sources=tuple(sorted(data["sources"].items())),
        spot_note=data["global"].get("fargate_spot_note", ""),
        regions=regions,
    )


def load() -> PriceTable:
    """The table packaged with the compiler."""
    text = resources.files("compiler").joinpath("data/prices.json").read_text(encoding="utf-8")
    return parse(json.loads(text))
