"""fargate-compile's own cfn-lint rules: what AWS enforces and cfn-lint does not check.

One rule per file, the way cfn-lint's own rules are written; each names the AWS
document it enforces in `source_url`. The compile's lint step loads this
directory with cfn-lint's append-rules mechanism, and any template can be
checked with it:

    cfn-lint --append-rules "$(python -c 'import compiler.lint.rules as r; print(r.RULES_DIR)')" -- template.json

cfn-lint imports every `[A-Za-z1-9]*.py` file here on its own (not as a module of
this package), so each rule file imports only cfnlint and the standard library.

    E9001 SecurityGroupDescriptions    group and rule descriptions: EC2's characters, 255 at most
    E9002 SecurityGroupRuleCount       inbound/outbound rules per group, IPv4 and IPv6 (quota 60)
    W9003 ServiceDesiredCountScaled    DesiredCount on an autoscaled ECS service
    W9004 ReadonlyRootFilesystem       all containers of a task read-only, or none
    W9005 ListenerRuleShadowed         a listener rule no request can reach
    E9006 ControlCharacters            control characters, U+FFFE/U+FFFF, lone surrogates
    E9021 CertificateCommonName        an ACM certificate's DomainName: at most 64 characters
    E9022 DeadLetterRetention          a standard queue's dead-letter queue keeps messages longer
    E9023 MountTargetSubnets           one EFS mount target per subnet of a file system
    E9026 ListenerPorts                one listener per port of a load balancer, at most 50
    E9030 ListenerRuleConditionLimits  listener rule conditions and transforms within ALB's limits
    E9282 TargetGroupOneLoadBalancer   an ALB target group is forwarded to by one load balancer only
"""

from __future__ import annotations

import functools
import hashlib
import os

RULES_DIR = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(maxsize=1)
def rules_digest() -> str:
    """sha256 over the rule files: part of the lint cache key, so a changed rule re-lints."""
    digest = hashlib.sha256()
    for name in sorted(os.listdir(RULES_DIR)):
        if name.endswith(".py"):
            with open(os.path.join(RULES_DIR, name), "rb") as handle:
                digest.update(name.encode() + b"\0" + handle.read() + b"\0")
    return digest.hexdigest()
