"""Copilot workspaces assembled from the manifest corpus in tests/data/copilot (AWS Copilot's own
manifests, Apache-2.0: LICENSE, NOTICE and SOURCE.md travel with them).

The corpus holds single manifests, not workspaces. A workspace here is:
- every workload manifest of one e2e/regression app together (as Copilot's own e2e suite has them),
  with that app's environment manifest when there is one;
- every other workload manifest alone, in the default environment;
- every other environment manifest with one routed service (the docs' autoscaling sample,
  which has an image location), so the environment's translation is compiled too.
When a workload overrides exactly one environment and no environment manifest is given,
that environment is imported (--env), so the overrides are exercised.
"""

from __future__ import annotations

import csv
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "data" / "copilot"
# The service beside an environment manifest: ours, minimal, so that the environment is what is measured.
ENV_PARTNER = """name: web
type: Load Balanced Web Service
image:
  location: public.ecr.aws/nginx/nginx:1.27
  port: 80
http:
  path: '/'
network:
  vpc:
    placement: private
"""


@dataclass
class Workspace:
    name: str
    workloads: list = field(default_factory=list)   # corpus-relative paths
    environment: str | None = None                  # corpus-relative path
    env_name: str | None = None
    placed: dict = field(default_factory=dict)      # corpus path -> the manifest's path in the workspace


def rows() -> list[dict]:
    with open(CORPUS / "index.tsv", newline="") as handle:
        return [r for r in csv.DictReader(handle, delimiter="\t") if r["kind"] != "expected"]


def _app_dir(original: str) -> str | None:
    m = re.match(r"^((?:e2e|regression)/[^/]+)/copilot/", original)
    return m.group(1) if m else None


def workspaces() -> list[Workspace]:
    import yaml

    groups: dict[str, Workspace] = {}
    singles = []
    envs = []
    for r in rows():
        app = _app_dir(r["original_path"])
        is_env = r["copilot_type"] == "Environment"
        if app:
            ws = groups.setdefault(app, Workspace(app.replace("/", "-")))
            if is_env:
                ws.environment = r["file"]
                ws.env_name = r["original_path"].split("/environments/")[1].split("/")[0]
            else:
                ws.workloads.append(r["file"])
        elif is_env:
            envs.append(r["file"])
        else:
            singles.append(r["file"])
    out = list(groups.values())
    for f in singles:
        ws = Workspace(Path(f).stem.replace("__", "-"), [f])
        data = yaml.safe_load((CORPUS / f).read_text()) or {}
        overrides = data.get("environments") if isinstance(data, dict) else None
        if isinstance(overrides, dict) and len(overrides) == 1:
            ws.env_name = next(iter(overrides))
        out.append(ws)
    for f in envs:
        out.append(Workspace(Path(f).stem.replace("__", "-"), [], f, "env"))
    return sorted(out, key=lambda w: w.name)


def assemble(ws: Workspace, into: Path) -> Path:
    """Write the workspace under `into`/<name>/copilot/ and return the directory holding copilot/."""
    import yaml

    root = into / ws.name
    cdir = root / "copilot"
    cdir.mkdir(parents=True, exist_ok=True)
    (cdir / ".workspace").write_text("application: corpus\n")
    used = set()
    for f in ws.workloads:
        data = yaml.safe_load((CORPUS / f).read_text()) or {}
        name = str(data.get("name") or Path(f).stem.split("__")[-1])
        while name in used:
            name += "x"
        used.add(name)
        (cdir / name).mkdir(exist_ok=True)
        shutil.copyfile(CORPUS / f, cdir / name / "manifest.yml")
        ws.placed[f] = (cdir / name / "manifest.yml").resolve()
    if not ws.workloads:
        (cdir / "web").mkdir(exist_ok=True)
        partner = ENV_PARTNER
        env = yaml.safe_load((CORPUS / ws.environment).read_text()) if ws.environment else {}
        if isinstance((env or {}).get("http"), dict) and "private" in env["http"] and "public" not in env["http"]:
            partner = partner.replace("Load Balanced Web Service", "Backend Service")  # an internal ALB only
        (cdir / "web" / "manifest.yml").write_text(partner)
    if ws.environment:
        edir = cdir / "environments" / (ws.env_name or "env")
        edir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / ws.environment, edir / "manifest.yml")
        ws.placed[ws.environment] = (edir / "manifest.yml").resolve()
    return root


def write_workspace(tmp_path: Path, manifests: dict[str, str], envs: dict[str, str] | None = None,
                    app: str = "shop") -> Path:
    """A workspace of the given manifest texts (workload name -> manifest, environment name ->
    manifest) under tmp_path/ws, as `copilot init` lays one out; its root."""
    cdir = tmp_path / "ws" / "copilot"
    cdir.mkdir(parents=True)
    (cdir / ".workspace").write_text(f"application: {app}\n")
    for name, text in manifests.items():
        (cdir / name).mkdir()
        (cdir / name / "manifest.yml").write_text(text)
    for name, text in (envs or {}).items():
        (cdir / "environments" / name).mkdir(parents=True)
        (cdir / "environments" / name / "manifest.yml").write_text(text)
    return tmp_path / "ws"
