"""`import-copilot --images FILE`: what CI builds and pushes where Copilot built the image.

Copilot's `image.build` is either the Dockerfile's path (the build context is its
folder) or a mapping of `dockerfile`, `context`, `target`, `args` and `cache_from`
(a context alone means `<context>/Dockerfile`, a Dockerfile alone its folder); paths
are relative to the directory holding copilot/, and Copilot pushed to the ECR
repository `<app>/<workload>`. The listing is JSON:

    {"images": [{"workload", "variable", "manifest", "repository", "dockerfile", "context",
                 "target", "args", "cache_from", "platform",
                 "build": [argv], "push": [argv], "var": "--var NAME=IMAGE",
                 "commands": [the same two as shell lines]}]}

`build`, `push` and `var` use ${REGISTRY} and ${TAG}, which CI sets (docs/import-copilot.md
shows a loop that runs them).
"""

from __future__ import annotations

import json
import posixpath
import shlex

_DOCKER_PLATFORM = {"linux/x86_64": "linux/amd64", "linux/arm64": "linux/arm64"}


def listing(app: str, builds: list, platforms: dict[str, str]) -> dict:
    images, seen = [], set()
    for b in builds:
        key = (b["workload"], json.dumps(b["build"], sort_keys=True, default=str))
        if key in seen:
            continue
        seen.add(key)
        dockerfile, context, extra = _where(b["build"])
        repository = f"{app}/{b['workload']}"
        image = "${REGISTRY}/" + repository + ":${TAG}"
        platform = _DOCKER_PLATFORM.get(platforms.get(b["workload"], "linux/x86_64"), "linux/amd64")
        argv = ["docker", "build", "--platform", platform, "--file", dockerfile, "--tag", image]
        if extra.get("target"):
            argv += ["--target", extra["target"]]
        for name, value in sorted(extra.get("args", {}).items()):
            argv += ["--build-arg", f"{name}={value}"]
        for source in extra.get("cache_from", []):
            argv += ["--cache-from", source]
        argv.append(context)
        images.append({
            "workload": b["workload"], "variable": b["variable"], "manifest": b["manifest"],
            "repository": repository, "dockerfile": dockerfile, "context": context,
            "target": extra.get("target"), "args": extra.get("args", {}),
            "cache_from": extra.get("cache_from", []), "platform": platform,
            "build": argv, "push": ["docker", "push", image], "var": f"--var {b['variable']}={image}",
            "commands": [_line(argv), _line(["docker", "push", image])],
        })
    return {"images": sorted(images, key=lambda i: i["workload"])}


def _where(build) -> tuple[str, str, dict]:
    """(Dockerfile, context, other settings) of one image.build, paths normalized."""
    if not isinstance(build, dict):
        dockerfile = _path(build) or "Dockerfile"
        return dockerfile, posixpath.dirname(dockerfile) or ".", {}
    dockerfile, context = _path(build.get("dockerfile")), _path(build.get("context"))
    if dockerfile and not context:
        context = posixpath.dirname(dockerfile) or "."
    elif context and not dockerfile:
        dockerfile = posixpath.join(context, "Dockerfile") if context != "." else "Dockerfile"
    elif not dockerfile:
        dockerfile, context = "Dockerfile", "."
    extra: dict = {}
    if build.get("target"):
        extra["target"] = str(build["target"])
    if isinstance(build.get("args"), dict):
        extra["args"] = {str(k): "" if v is None else str(v) for k, v in build["args"].items()}
    cache = build.get("cache_from")
    if cache:
        extra["cache_from"] = [str(c) for c in (cache if isinstance(cache, list) else [cache])]
    return dockerfile, context, extra


def _line(argv: list[str]) -> str:
    """A shell command line: ${REGISTRY} and ${TAG} expand, nothing else does."""
    out = []
    for arg in argv:
        if "${" in arg:
            out.append('"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`") + '"')
        else:
            out.append(shlex.quote(arg))
    return " ".join(out)


def _path(value) -> str:
    if value is None or value == "":
        return ""
    return posixpath.normpath(str(value).replace("\\", "/"))
