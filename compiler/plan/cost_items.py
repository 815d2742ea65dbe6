"""What every priced component of the plan shares: the assumptions about what the spec does
not say, the line item, and how figures are written."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Assumptions:
    traffic_gb: float = 100.0         # GB/month between private tasks and the outside of the VPC
    alb_lcu: float = 1.0              # average ALB load, in LCUs, every hour of the month
    nlb_lcu: float = 1.0              # average load of each NLB, in NLCUs, every hour of the month
    log_gb_per_task: float = 1.0      # container logs ingested per running task per month
    flow_log_gb: float = 5.0          # VPC flow-log records per month (any traffic filter)
    messages_per_topic: float = 1_000_000   # messages published to each topic per month
    job_minutes: float = 10.0         # how long one run of a job takes (capped by its timeout)
    efs_gb: float = 10.0              # data stored on the managed EFS file system (and backed up)
    efs_read_gb: float = 20.0         # read from it per month
    efs_write_gb: float = 5.0         # written to it per month

    def described(self) -> dict[str, str]:
        return {
            "traffic_gb": f"{num(self.traffic_gb)} GB/month between the private tasks and outside the VPC "
                          "(all of it through the NAT when there is one, else through the interface endpoints)",
            "alb_lcu": f"{num(self.alb_lcu)} LCU on average, every hour "
                       "(1 LCU = 25 new connections/s, 3,000 active connections/min, 1 GB/h or 1,000 rule evaluations/s)",
            "nlb_lcu": f"{num(self.nlb_lcu)} NLCU on average per network load balancer, every hour "
                       "(1 NLCU = 800 new TCP or 400 new UDP flows/s, 100,000 active TCP or 50,000 UDP flows, "
                       "or 1 GB/h)",
            "log_gb_per_task": f"{num(self.log_gb_per_task)} GB/month of container logs per running task",
            "flow_log_gb": f"{num(self.flow_log_gb)} GB/month of VPC flow-log records",
            "messages_per_topic": f"{num(self.messages_per_topic)} messages/month published to each SNS topic, "
                                  "every one delivered to each subscribed queue (filter policies ignored: an upper "
                                  "bound) and received and deleted once (2 SQS requests)",
            "job_minutes": f"{num(self.job_minutes)} minutes per job run (or the job's timeout when shorter)",
            "efs_gb": f"{num(self.efs_gb)} GB stored on the managed EFS file system (one backup copy as large)",
            "efs_read_gb": f"{num(self.efs_read_gb)} GB/month read from the managed EFS file system",
            "efs_write_gb": f"{num(self.efs_write_gb)} GB/month written to the managed EFS file system",
        }


@dataclass(frozen=True)
class LineItem:
    category: str
    item: str
    quantity: str                     # how the figure is made, e.g. "3 × 730 h × $0.045/h"
    monthly: float                    # USD per month
    assumption: str = ""              # the assumption the figure rests on, if any


def num(x: float) -> str:
    return f"{x:,.10g}"


def usd(price: float) -> str:
    return f"${price:g}"
