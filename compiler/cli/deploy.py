"""`fargate-compile deploy SPEC`: compile, upload, preview the change set, execute it, watch.

The only command that talks to AWS (through compiler/deploy, the only code that imports
boto3). Exit status:
  0 deployed, nothing to change, or a --preview without hazards
  1 the spec is invalid (nothing was uploaded)
  2 usage error; no credentials or region; AWS unreachable or refusing a call; the stack
    busy or stuck; not a terminal and no --yes (nothing was executed)
  3 a compiler bug (a template failed cfn-lint, or an internal error)
  4 not executed on purpose: --preview found a hazard, a hazard without --allow-hazards,
    or the confirmation was declined
  5 the deploy failed, or CloudFormation refused the change set, and the stack is back
    where it was (rolled back)
  6 the deploy failed and so did the rollback: the stack needs a human
"""

from __future__ import annotations

import sys
from pathlib import Path

from compiler.cli.options import (EXIT_OK, EXIT_USAGE, Parser, add_environment_arguments,
                                  print_diagnostics, report_invalid, unknown_environment, variable_values)

EXIT_HAZARD, EXIT_FAILED, EXIT_STUCK = 4, 5, 6
PROG = "fargate-compile deploy"


def parser() -> Parser:
    p = Parser(prog=PROG, description="Compile a spec, upload its templates and deploy them as stack "
                                      "<app>-<env> through a change set: preview (our diff of the deployed "
                                      "templates and CloudFormation's change set), confirm, execute, watch.")
    p.add_argument("spec", nargs="?", help="the YAML spec (also where failures are located)")
    p.add_argument("--from", dest="from_dir", metavar="DIR",
                   help="deploy an output directory (templates_out/<app>-<env>/) instead of compiling")
    add_environment_arguments(p)
    p.add_argument("--output-dir", default="templates_out", help="where the compile writes (default: templates_out)")
    p.add_argument("--no-lint", action="store_true", help="compile without cfn-lint (not recommended)")
    p.add_argument("--bucket", help="the S3 bucket for the templates (default: fargate-compile-artifacts-"
                                    "<account>-<region>, made on first use; see docs/deploy.md)")
    p.add_argument("--prefix", default="", help="a key prefix in the bucket (e.g. 'team-a/')")
    p.add_argument("--profile", help="the AWS profile (default: AWS_PROFILE, else boto3's default chain)")
    p.add_argument("--region", help="the AWS region (default: AWS_REGION / AWS_DEFAULT_REGION, else the profile's)")
    p.add_argument("--preview", action="store_true",
                   help="show what would change and stop (exit 0, or 4 when the update has a hazard)")
    p.add_argument("--yes", action="store_true", help="execute without asking")
    p.add_argument("--allow-hazards", action="store_true", help="with --yes: execute even when the update has hazards")
    p.add_argument("--progress", choices=("auto", "line", "events"), default="auto",
                   help="progress on stderr: one redrawn line per stack (terminal), or one line per event "
                        "(default: line on a terminal, events otherwise)")
    return p


def say(text: str) -> None:
    print(f"{PROG}: {text}", file=sys.stderr)


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if not args.spec and not args.from_dir:
        parser().error("give a SPEC, or --from DIR")
    if args.allow_hazards and not args.yes and not args.preview:
        parser().error("--allow-hazards goes with --yes")
    from compiler.deploy import AwsRefused, AwsUnavailable

    try:
        return _deploy(args)
    except (AwsUnavailable, AwsRefused) as exc:
        say(f"error: {exc}")
        return EXIT_USAGE


def stack_name_of(args) -> str | int:
    """<app>-<env> of the spec (or of --from DIR); an exit status if the spec is invalid."""
    if args.from_dir:
        return Path(args.from_dir).resolve().name
    from compiler import pipeline
    from compiler.errors import UnreadableFile
    from compiler.spec.environments import UnknownEnvironment

    try:
        app, found = pipeline.validate(args.spec, args.env, variable_values(args))
    except UnreadableFile as exc:
        say(f"error: {exc}")
        return EXIT_USAGE
    except UnknownEnvironment as exc:
        return unknown_environment(PROG, exc)
    if app is None:
        print_diagnostics(found, "text")
        return report_invalid(args.spec, found, "text", "nothing was deployed")
    return app.stack_name


def compile_into(args) -> int:
    from compiler.cli import compile as command

    # The compile command's own defaults for every option deploy does not take (so an option
    # added to compile later cannot be missing here), then deploy's values.
    ns = command.parser().parse_args([args.spec])
    ns.output_dir, ns.no_lint, ns.env, ns.var = args.output_dir, args.no_lint, args.env, args.var
    return command.run(ns)


def _deploy(args) -> int:
    from compiler.deploy import AwsRefused, artifacts, changeset, session, stackstate
    from compiler.deploy.preview import render
    from compiler.diff import compute, templates
    from compiler.diff.providers import MissingSchemas
    from compiler.state import lockfile

    stack_name = stack_name_of(args)
    if isinstance(stack_name, int):
        return stack_name
    aws = session.connect(args.profile, args.region)
    cfn = aws.client("cloudformation")
    deployed = stackstate.find(cfn, stack_name)
    if deployed.status and deployed.status.endswith("_IN_PROGRESS") and deployed.status != "REVIEW_IN_PROGRESS":
        raise AwsRefused(f"stack {stack_name} is busy ({deployed.status}); try again when it is done")
    if deployed.exists and deployed.status not in stackstate.UPDATABLE | {stackstate.FAILED_FIRST_DEPLOY}:
        raise AwsRefused(f"stack {stack_name} is in {deployed.status} and cannot be updated; see docs/deploy.md")
    if args.spec and not args.from_dir and deployed.exists:
        locked, _ = lockfile.read(args.spec)
        if stack_name not in locked:
            said = stackstate.rebuild_lock(cfn, deployed, args.spec)
            say(said or f"no lock file for {stack_name}, and the deployed root carries no placement record: "
                        "services are placed as a first compile places them")
    if not args.from_dir:
        status = compile_into(args)
        if status != EXIT_OK:
            return status
    directory = args.from_dir or str(Path(args.output_dir) / stack_name)
    try:
        new = templates.from_directory(directory)
    except templates.Unreadable as exc:
        say(f"error: {exc}")
        return EXIT_USAGE

    note = ""
    if deployed.status == stackstate.FAILED_FIRST_DEPLOY:
        note = f"{stack_name} is in ROLLBACK_COMPLETE (its first deploy failed; it holds no resources)"
        if args.preview:
            note += ": a deploy deletes it and creates it again"
        else:
            _delete_failed_stack(cfn, deployed)
            note += ": deleted, to be created again"
            deployed = stackstate.Deployed(stack_name)
    diff = None
    if deployed.exists and deployed.status != stackstate.FAILED_FIRST_DEPLOY:
        old = stackstate.templates(cfn, deployed, new.file_of)
        try:
            diff = compute(old, new)
        except MissingSchemas as exc:
            say(f"error: {exc}")
            return EXIT_USAGE

    change_set = None
    if not (args.preview and deployed.status == stackstate.FAILED_FIRST_DEPLOY):
        s3 = aws.client("s3")
        bucket = args.bucket or artifacts.default_bucket(aws.account(), aws.region)
        if artifacts.ensure_bucket(s3, bucket, aws.region, create=not args.bucket,
                                   partition=aws.session.get_partition_for_region(aws.region)):
            say(f"made the artifacts bucket {bucket} (encrypted, private, TLS only, artifacts expire after "
                f"{artifacts.ARTIFACT_DAYS} days)")
        packaged = artifacts.upload(s3, new, stack_name, bucket, args.prefix)
        change_set = changeset.create(cfn, stack_name, packaged.root_url, "UPDATE" if deployed.exists else "CREATE")
        change_set = changeset.wait(cfn, change_set)
    sys.stdout.write(render(stack_name, diff, change_set, new, note))
    sys.stdout.flush()
    return _decide(args, cfn, change_set, diff, new, deployed)


def _delete_failed_stack(cfn, deployed) -> None:
    from compiler.deploy.session import faults

    with faults(f"deleting {deployed.name} (ROLLBACK_COMPLETE)"):
        cfn.delete_stack(StackName=deployed.stack_id or deployed.name)
        cfn.get_waiter("stack_delete_complete").wait(StackName=deployed.stack_id or deployed.name,
                                                    WaiterConfig={"Delay": 5, "MaxAttempts": 360})


def _decide(args, cfn, change_set, diff, new, deployed) -> int:
    from compiler.deploy import changeset

    hazards = diff.hazards if diff is not None else []
    if change_set is None:
        return EXIT_HAZARD if hazards else EXIT_OK

    def drop() -> None:
        changeset.delete(cfn, change_set, drop_new_stack=not deployed.exists)

    if change_set.empty:
        drop()
        say(f"no changes: {deployed.name} is up to date")
        return EXIT_OK
    if change_set.failed:
        drop()
        say(f"CloudFormation refused the change set: {change_set.reason}; nothing was changed")
        return EXIT_FAILED
    if args.preview:
        drop()
        return EXIT_HAZARD if hazards else EXIT_OK
    if hazards and not (args.yes and args.allow_hazards):
        drop()
        say(f"not deployed: the update has {len(hazards)} hazard{'s' if len(hazards) != 1 else ''} (above); "
            "to deploy anyway: --yes --allow-hazards")
        return EXIT_HAZARD
    if not args.yes:
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            drop()
            say("not executed: not a terminal to confirm on; pass --yes to execute (or --preview)")
            return EXIT_USAGE
        sys.stderr.write(f"Execute change set {change_set.name} on {change_set.stack_name}? [y/N] ")
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            drop()
            say("not executed: declined")
            return EXIT_HAZARD
    return _execute(args, cfn, change_set, new)


def _execute(args, cfn, change_set, new) -> int:
    from compiler.deploy import changeset, progress
    from compiler.deploy.preview import stack_label

    def label(stack: str) -> str:
        return stack_label(stack, new)

    totals = {stack: len(changes) for stack, changes in change_set.by_stack().items()}
    for logical_id, file in new.file_of.items():
        if logical_id not in totals and change_set.kind == "CREATE":
            totals[logical_id] = len(new.resources(file))
    tracker = progress.Tracker(totals)
    since = progress.newest_event(cfn, change_set.stack_name)
    changeset.execute(cfn, change_set)
    say(f"executing change set {change_set.name} on {change_set.stack_name}")
    mode = args.progress if args.progress != "auto" else ("line" if sys.stderr.isatty() else "events")

    def show(events) -> None:
        if mode == "line":
            sys.stderr.write("\r\x1b[K" + progress.status_line(tracker, label))
        else:
            for event in events:
                sys.stderr.write("  " + progress.event_line(event, label) + "\n")
        sys.stderr.flush()

    status = progress.watch(cfn, change_set.stack_name, tracker, since, show)
    if mode == "line":
        sys.stderr.write("\n")
    if status in progress.SUCCEEDED:
        print(f"{change_set.stack_name}: {status}")
        return EXIT_OK
    failure = tracker.failure()
    if failure is not None and args.spec:
        from compiler.diff.locate import in_spec

        failure = progress.Failure(**{**vars(failure), "where": in_spec(args.spec, failure.logical_id,
                                                                         new.file_of.get(failure.stack, ""))})
    sys.stderr.write(progress.outcome_text(change_set.stack_name, status, failure))
    return EXIT_FAILED if status in progress.ROLLED_BACK else EXIT_STUCK
