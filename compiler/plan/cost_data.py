"""What the app's data and names cost beside compute and network: CloudWatch Logs, the Cloud
Map namespace, SNS topics and SQS queues, the managed EFS file system, custom domains."""

from __future__ import annotations

from compiler import model as m
from compiler.plan.cost_items import Assumptions, LineItem, num, usd
from compiler.plan.prices import RegionPrices

# Alarm metrics a queue-scaled service adds: target tracking makes two alarms (scale out,
# scale in) on the policy's metric math (2 metrics each), the wake-up alarm 2 more.
TRACKING_ALARM_METRICS = 4
WAKE_UP_ALARM_METRICS = 2
SQS_REQUESTS_PER_MESSAGE = 2          # receive + delete


def log_items(app: m.App, p: RegionPrices, a: Assumptions) -> list[LineItem]:
    tasks = sum(s.desired_count for s in app.services)
    items = [LineItem("Logs", "container log ingestion",
                      f"{tasks} tasks × {num(a.log_gb_per_task)} GB × {usd(p.logs_ingest_gb)}/GB",
                      tasks * a.log_gb_per_task * p.logs_ingest_gb, "assumed log volume per task")]
    if app.network.flow_logs:
        items.append(LineItem("Logs", f"VPC flow-log ingestion ({app.network.flow_logs.traffic})",
                              f"{num(a.flow_log_gb)} GB × {usd(p.vended_logs_gb)}/GB",
                              a.flow_log_gb * p.vended_logs_gb, "assumed flow-log volume"))
    return items


def discovery_items(app: m.App, p: RegionPrices) -> list[LineItem]:
    if not app.uses_namespace:
        return []
    return [LineItem("Service discovery", f"private DNS namespace {app.namespace}",
                     f"1 hosted zone × {usd(p.hosted_zone_month)}/month", p.hosted_zone_month)]


def messaging_items(app: m.App, p: RegionPrices, a: Assumptions) -> list[LineItem]:
    items = []
    msgs = a.messages_per_topic
    for s in app.services:
        for topic in s.publish:
            note = "assumed messages" + ("; FIFO topics are billed per publish and payload GB: priced as standard"
                                         if topic.fifo else "")
            items.append(LineItem("Messaging", f"SNS topic {s.name}/{topic.name}: publishes",
                                  f"{num(msgs / 1e6)} M × {usd(p.sns_publish_million)}/M",
                                  msgs / 1e6 * p.sns_publish_million, note))
    for s in app.services:
        if not s.subscribe:
            continue
        fifo = s.subscribe.queue.fifo
        rate = p.sqs_fifo_million if fifo else p.sqs_standard_million
        delivered = msgs * len(s.subscribe.topics)
        requests = delivered * SQS_REQUESTS_PER_MESSAGE / 1e6
        items.append(LineItem("Messaging", f"SQS queue of {s.name}{' (FIFO)' if fifo else ''}: requests",
                              f"{num(requests)} M requests × {usd(rate)}/M", requests * rate,
                              f"{len(s.subscribe.topics)} topic(s) × assumed messages × "
                              f"{SQS_REQUESTS_PER_MESSAGE} requests; empty receives while idle not counted"))
        if s.scaling and s.scaling.queue:
            metrics = TRACKING_ALARM_METRICS + (WAKE_UP_ALARM_METRICS if s.scaling.min == 0 else 0)
            items.append(LineItem("Messaging", f"queue-scaling alarms of {s.name}",
                                  f"{metrics} alarm metrics × {usd(p.alarm_metric_month)}/month",
                                  metrics * p.alarm_metric_month,
                                  "target tracking's 2 alarms" + (" + the wake-up alarm" if s.scaling.min == 0 else "")))
    return items


def storage_items(app: m.App, p: RegionPrices, a: Assumptions) -> list[LineItem]:
    """The managed EFS file system: storage, elastic throughput and its backups (existing
    file systems are billed to whoever owns them)."""
    if not app.uses_managed_efs:
        return []
    return [
        LineItem("EFS", "Standard storage", f"{num(a.efs_gb)} GB × {usd(p.efs_standard_gb_month)}/GB-month",
                 a.efs_gb * p.efs_standard_gb_month, "assumed data stored"),
        LineItem("EFS", "Elastic Throughput reads", f"{num(a.efs_read_gb)} GB × {usd(p.efs_elastic_read_gb)}/GB",
                 a.efs_read_gb * p.efs_elastic_read_gb, "assumed reads"),
        LineItem("EFS", "Elastic Throughput writes", f"{num(a.efs_write_gb)} GB × {usd(p.efs_elastic_write_gb)}/GB",
                 a.efs_write_gb * p.efs_elastic_write_gb, "assumed writes"),
        LineItem("EFS", "automatic backups (AWS Backup, warm storage)",
                 f"{num(a.efs_gb)} GB × {usd(p.efs_backup_gb_month)}/GB-month",
                 a.efs_gb * p.efs_backup_gb_month, "one backup copy of the assumed data (incremental)"),
    ]


def domain_items(app: m.App) -> list[LineItem]:
    """Custom domains: the records and certificates cost nothing; the hosted zone is the user's."""
    names = app.alias_zones
    if not names or not app.load_balancers:
        return []
    n = len(names)
    items = [LineItem("Custom domains", f"Route 53 alias records ({n})",
                      "alias queries to the load balancer are free", 0.0,
                      "the hosted zone itself is yours, already billed")]
    if any(lb.https and lb.https.certificate_arn is None for lb in app.owned_load_balancers):
        items.append(LineItem("Custom domains", f"ACM public certificates ({n})", "free", 0.0))
    return items
