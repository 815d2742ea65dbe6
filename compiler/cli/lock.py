"""`fargate-compile lock --from-stack SPEC`: rebuild the lock file from the deployed stack.

The deployed root stack carries the placement record in its Metadata (docs/decisions.md,
"Stable placement"); this writes it into `<spec>.lock.json` for the spec's `<app>-<env>`,
keeping the other environments' records. `deploy` does the same by itself when the lock
has no record for the stack. Exit status: 0 written, 1 the spec is invalid, 2 usage
error, no credentials or region, AWS unreachable, or no such stack or record.
"""

from __future__ import annotations

import sys

from compiler.cli.options import EXIT_OK, EXIT_USAGE, Parser, add_environment_arguments

PROG = "fargate-compile lock"


def parser() -> Parser:
    p = Parser(prog=PROG, description="Rebuild the lock file beside SPEC from the deployed root stack "
                                      "<app>-<env> (its Metadata records where each service was placed).")
    p.add_argument("spec", help="the YAML spec whose lock file is (re)written")
    p.add_argument("--from-stack", action="store_true", required=True,
                   help="read the record from the deployed stack (the only source, for now)")
    add_environment_arguments(p)
    p.add_argument("--profile", help="the AWS profile (default: AWS_PROFILE, else boto3's default chain)")
    p.add_argument("--region", help="the AWS region (default: AWS_REGION / AWS_DEFAULT_REGION, else the profile's)")
    return p


def main(argv: list[str]) -> int:
    from compiler.cli.deploy import stack_name_of
    from compiler.deploy import AwsRefused, AwsUnavailable, session, stackstate

    args = parser().parse_args(argv)
    args.from_dir = None
    stack_name = stack_name_of(args)
    if isinstance(stack_name, int):
        return stack_name
    try:
        cfn = session.connect(args.profile, args.region).client("cloudformation")
        deployed = stackstate.find(cfn, stack_name)
        if not deployed.exists:
            print(f"{PROG}: error: there is no deployed stack {stack_name} (status: "
                  f"{deployed.status or 'none'})", file=sys.stderr)
            return EXIT_USAGE
        said = stackstate.rebuild_lock(cfn, deployed, args.spec)
    except (AwsUnavailable, AwsRefused) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if said is None:
        print(f"{PROG}: error: the root template of {stack_name} carries no placement record "
              "(was it deployed from fargate-compile's templates?)", file=sys.stderr)
        return EXIT_USAGE
    print(f"{PROG}: {said}", file=sys.stderr)
    return EXIT_OK
