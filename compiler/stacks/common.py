"""What every nested-template builder shares: tags, wiring parameters, outputs.

Wiring convention (read by stacks/root.py): a child template that needs a value
from another child declares a Parameter whose name equals the name of the
producing child's Output. The root feeds it with
`Fn::GetAtt <ProducerStack>.Outputs.<Name>`. Names are therefore unique across
all children's Outputs. Spec values are literals; Parameters only wire stacks.

Wiring names used across stacks (producer -> consumers):
  network:   VpcId, VpcCidr, PublicSubnetIds, PrivateSubnetIds (comma-joined
             lists), PrivateRouteTableIds (comma-joined); for an existing VPC the
             spec's IDs (VpcCidr only when given) and TasksSecurityGroupId
  alb:       AlbSecurityGroupId, LoadBalancerFullName, HttpListenerArn,
             <Svc>TargetGroupArn, <Svc>TargetGroupFullName (only for services
             that scale on requests)
             <Svc>Rule<N>TargetGroupArn (http.additional_rules, alb_routing.py);
             an ALB of load_balancers but the first: <Key>AlbSecurityGroupId,
             <Key>LoadBalancerFullName, <Key>LoadBalancerDnsName, <Key>HttpListenerArn
  nlb:       <Svc>NlbTargetGroupArn, <Svc>NlbSecurityGroupId, <Svc>NlbDnsName (nlb.py)
  storage:   FileSystemId, FileSystemSecurityGroupId (the managed EFS file system)
  services:  ClusterName, ClusterArn, NamespaceId, NamespaceArn,
             ServicesSecurityGroupId (the SG every task of the app wears)
"""

from __future__ import annotations

import unicodedata

from troposphere import Output, Parameter, Tags, Template

from compiler import model as m
from compiler.state.naming import pascal

LIST_PARAM = "CommaDelimitedList"
SUBNET_LIST = "List<AWS::EC2::Subnet::Id>"


def new_template(app: m.App, what: str) -> Template:
    t = Template()
    t.set_version("2010-09-09")
    t.set_description(f"fargate-compile: {what} of {app.app} ({app.environment})")
    return t


def tags(app: m.App, name: str | None = None, **extra: str) -> Tags:
    """Tags for a taggable resource: the user's, plus application/environment (and Name)."""
    pairs = dict(app.tags)
    pairs["fargate-compile:application"] = app.app
    pairs["fargate-compile:environment"] = app.environment
    if name:
        pairs["Name"] = tag_value(name)
    pairs.update({key: tag_value(value) for key, value in extra.items()})
    return Tags(**dict(sorted(pairs.items())))


_TAG_EXTRA_CHARS = set("_.:/=+-@")


def tag_value(text: str) -> str:
    """A compiler-made tag value AWS accepts everywhere: ACM, EFS, SQS ... refuse any character
    outside [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@] (EC2 does not, so cfn-lint only sees some). A
    wildcard domain's "*" reads "wildcard" (as in its logical ID), anything else becomes "-".
    The user's own tags are checked, not rewritten (checks/tags.py, FC218)."""
    text = text.replace("*", "wildcard")
    return "".join(c if c.isalnum() or unicodedata.category(c).startswith("Z") or c in _TAG_EXTRA_CHARS
                   else "-" for c in text)


def workload_key(workload) -> str:
    """The logical-ID prefix of a service's or a job's resources: a service's key is kept
    stable by the placement lock (compiler/state/placement.py); a job's is its PascalCase name."""
    return getattr(workload, "key", None) or pascal(workload.name)


def retain(app: m.App) -> dict[str, str]:
    """Resource attributes that keep a stateful resource's data (logs, registrations) when
    CloudFormation deletes or replaces it: on removal or rename of its service, on a failed
    first create, on stack deletion. `retain_data: false` lets dev stacks clean up after
    themselves instead. Physical names of retained resources are left to CloudFormation, so
    a leftover never blocks a later create of the same resource."""
    return {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"} if app.retain_data else {}


def wire_param(t: Template, name: str, type_: str = "String", description: str = "") -> Parameter:
    """A Parameter fed by the root from the child Output of the same name."""
    return t.add_parameter(
        Parameter(name, Type=type_, Description=description or f"Wired by the root stack: {name}")
    )


def wire_output(t: Template, name: str, value, description: str = "") -> Output:
    return t.add_output(Output(name, Value=value, Description=description or name))
