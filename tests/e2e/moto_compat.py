"""Closes the gaps of moto's CloudFormation emulation that the e2e deploy tests hit.

moto (pinned: see MOTO_VERSION) is the emulator the e2e tests deploy into. Its
CloudFormation engine is good enough for plain stacks, but the templates this
project writes use features it skips or gets wrong. Each patch, in the package
moto_gaps (one module per AWS service, built from moto_gaps/base.py), names the
gap it closes, measured against the pinned version; `apply()` refuses any
other version, so an upgrade re-measures the gaps instead of silently
stacking patches on code that changed.

The patches run in the test process, before the in-process moto server starts
(ThreadedMotoServer shares the interpreter, so patched classes are what the
server uses). They change moto only; nothing here knows about the compiler.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable

from moto_gaps import (acm, applicationautoscaling, cloudformation, cloudwatch, deploy_events, ec2, ecs, efs, elbv2,
                       iam, s3, servicediscovery, sns, sqs)
from moto_gaps.base import ADDED_MODELS
from moto_gaps.elbv2 import ELB_LOG_DELIVERY_ACCOUNTS, ELB_LOG_DELIVERY_SERVICE  # noqa: F401 (prerequisites)

MOTO_VERSION = "5.2.5"

# In the order they are applied: a later patch of the same method wraps the earlier one.
PATCHES = {
    "nested-stack-outputs": cloudformation.nested_stack_outputs,           # gap 1
    "change-set-outputs": cloudformation.change_set_outputs,               # gap 2
    "intrinsics": cloudformation.intrinsics,                               # gap 3
    "ecs-cluster": ecs.cluster,                                            # gap 4
    "ecs-task-definition": ecs.task_definition,                            # gap 5
    "ecs-service": ecs.service,                                            # gap 6
    "elbv2": elbv2.elbv2,                                                  # gap 7
    "service-discovery": servicediscovery.service_discovery,               # gap 8
    "application-autoscaling": applicationautoscaling.application_autoscaling,  # gaps 9, 31
    "route-table-association": ec2.subnet_route_table_association,         # gap 10
    "s3-bucket-policy": s3.bucket_policy,                                  # gap 11
    "target-group-deregistration-delay": elbv2.target_group_deregistration_delay,  # gap 12
    "iam-role": iam.role,                                                  # gap 13
    "elb-access-log-delivery": elbv2.access_log_delivery,                  # gap 14
    "s3-bucket": s3.bucket,                                                # gap 15
    "security-group-egress": ec2.security_group_egress,                    # gap 16
    "ec2-tags": ec2.tags,                                                  # gap 17
    "pseudo-parameters": cloudformation.pseudo_parameters,                 # gap 18
    "efs": efs.efs,
    "acm-certificate": acm.certificate,
    "listener-certificate": elbv2.listener_certificate,
    "security-group-validation": ec2.security_group_validation,            # gap 19
    "stack-updates": cloudformation.stack_updates,                         # gap 20
    "sqs-queue-policy": sqs.queue_policy,                                  # gap 21
    "sns-subscription": sns.subscription,                                  # gap 22
    "cloudwatch-alarm": cloudwatch.alarm,                                  # gap 23
    "security-group-rules": ec2.security_group_rules,                      # gap 24
    "deploy-events": deploy_events.deploy_events,                          # gap 25
    "target-group-load-balancers": elbv2.target_group_load_balancers,      # gap 30
    "target-group-protocol-version": elbv2.target_group_protocol_version,  # gap 32
    "ecs-service-update-load-balancers": ecs.service_update_load_balancers,  # gap 33
    "listener-rule-transforms": elbv2.listener_rule_transforms,            # gap 35
}

_applied = False


def apply(skip: Iterable[str] = ()) -> None:
    """Patch moto in this process (idempotent).

    `skip` names patches (keys of PATCHES) to leave out: with one left out, the
    e2e suite must fail, which is how a gap is shown to be still there (the
    conftest reads MOTO_COMPAT_SKIP=name,name for this).
    """
    global _applied
    if _applied:
        return
    found = importlib.metadata.version("moto")
    if found != MOTO_VERSION:
        raise RuntimeError(
            f"tests/e2e/moto_compat.py was measured against moto=={MOTO_VERSION}, found {found}: "
            "re-check every gap listed in tests/e2e/moto_gaps/ before changing the pin"
        )
    unknown = set(skip) - set(PATCHES)
    if unknown:
        raise ValueError(f"unknown moto_compat patches {sorted(unknown)}; known: {sorted(PATCHES)}")
    for name, patch in PATCHES.items():
        if name not in skip:
            patch()
    _refresh_model_registry()
    _spend_less()
    _applied = True


def _refresh_model_registry() -> None:
    """The added models become CloudFormation types by subclassing CloudFormationModel;
    moto caches the list of subclasses on first use, so the cache is dropped."""
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    known = parsing.get_model_map()
    for model in ADDED_MODELS:
        assert known[model.cloudformation_type()] is model, model


def _spend_less() -> None:
    """The same answers for less CPU: per-request work of moto 5.2.5 whose result cannot
    change during a run. Not gaps (nothing a deploy sees changes), so applied always.

    - The server's dispatcher asks `list_of_moto_modules()` on every request whether the
      request's host names a moto service; that lists moto's package directory (listdir,
      then isdir on each of its ~170 entries) each time. The installed package does not
      change while the tests run, so the list is made once.
    - Every request lists the methods of its response class (`inspect.getmembers`) to
      find the action's handler. The classes are complete once moto is imported and
      patched (before the server starts: nothing patches them later), so each class's
      list is made once.
    - moto parses every template of a stack (each nested one included) with PyYAML's
      pure-Python `yaml.Loader`. `yaml.CLoader`, when PyYAML was built with libyaml, is the
      same constructor and resolver over libyaml's parser: the same documents, the same
      errors (yaml.parser.ParserError, yaml.scanner.ScannerError), in a sixth of the time
      (measured on 60 golden templates, which both load to equal dicts).
    """
    import functools
    import json

    import yaml
    from moto import backends
    from moto.core import responses
    from moto.cloudformation import models
    from moto.cloudformation.utils import yaml_tag_constructor

    moto_modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: moto_modules
    responses.method_names_from_class = functools.lru_cache(maxsize=512)(responses.method_names_from_class)

    if not getattr(yaml, "__with_libyaml__", False):
        return

    class TemplateLoader(yaml.CLoader):
        pass

    TemplateLoader.add_multi_constructor("", yaml_tag_constructor)

    def parse_template(template: str) -> dict:
        # as moto's Stack.parse_template, with the C loader
        try:
            return yaml.load(template, Loader=TemplateLoader)
        except (yaml.parser.ParserError, yaml.scanner.ScannerError):
            return json.loads(template)

    def _parse_template(self: models.ChangeSet) -> None:
        self.template_dict = parse_template(self.template)

    models.Stack.parse_template = staticmethod(parse_template)
    models.ChangeSet._parse_template = _parse_template
