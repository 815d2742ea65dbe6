"""E9026: a load balancer's listeners: one per port, and at most 50.

Elastic Load Balancing refuses a second listener on a port of a load balancer, whatever the
protocols (CreateListener: DuplicateListener, "A listener with the specified port already
exists"; TCP and UDP on one port of a Network Load Balancer is one TCP_UDP listener), and
more than 50 listeners per load balancer (TooManyListeners). Listeners are matched to their
load balancer by a LoadBalancerArn of {"Ref": X}; a literal port is compared, an expression
is not. The compiler says the same at the spec's line (FC285).
"""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

MAX_LISTENERS = 50


class ListenerPorts(CloudFormationLintRule):
    id = "E9026"
    shortdesc = "One listener per port of a load balancer, at most 50"
    description = ("Two AWS::ElasticLoadBalancingV2::Listener of one LoadBalancerArn may not take the same "
                   "Port (DuplicateListener), and a load balancer has at most 50 listeners")
    source_url = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html"
    tags = ["resources", "elasticloadbalancingv2", "quota", "fargate-compile"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        found = []
        ports: dict[tuple[str, int], str] = {}
        counts: dict[str, list[str]] = {}
        for name, listener in sorted(cfn.get_resources(["AWS::ElasticLoadBalancingV2::Listener"]).items()):
            props = listener.get("Properties")
            if not isinstance(props, dict):
                continue
            arn = props.get("LoadBalancerArn")
            if not (isinstance(arn, dict) and list(arn) == ["Ref"] and isinstance(arn["Ref"], str)):
                continue
            lb = arn["Ref"]
            counts.setdefault(lb, []).append(name)
            port = props.get("Port")
            if isinstance(port, str) and port.isdigit():
                port = int(port)
            if not isinstance(port, int):
                continue
            if (lb, port) in ports:
                found.append(RuleMatch(
                    ["Resources", name, "Properties", "Port"],
                    f"{name} and {ports[(lb, port)]} are both listeners on port {port} of {lb}; ELB allows one "
                    "listener per port of a load balancer (DuplicateListener)", rule=self))
            else:
                ports[(lb, port)] = name
        for lb, names in sorted(counts.items()):
            if len(names) > MAX_LISTENERS:
                found.append(RuleMatch(
                    ["Resources", names[MAX_LISTENERS], "Properties", "LoadBalancerArn"],
                    f"{lb} has {len(names)} listeners; ELB allows {MAX_LISTENERS} per load balancer "
                    "(TooManyListeners)", rule=self))
        return found
