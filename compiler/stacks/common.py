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
             <Svc>Rule<N>TargetGroupArn (http.additional_rules, alb_routing.py)
  nlb:       <Svc>NlbTargetGroupArn, <Svc>NlbSecurityGroupId, <Svc>NlbDnsName (nlb.py)
  storage:   FileSystemId, FileSystemSecurityGroupId (the managed EFS file system)
  services:  ClusterName, ClusterArn, NamespaceId, NamespaceArn,
             ServicesSecurityGroupId (the SG every task of the app wears)
"""

from __future__ import annotations

from troposphere import Output, Parameter, Tags, Template

from compiler import model as m

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
        pairs["Name"] = name
    pairs.update(extra)
    return Tags(**dict(sorted(pairs.items())))


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
