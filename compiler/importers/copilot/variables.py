"""variables and secrets: a container's environment (the main one's and each sidecar's)."""

from __future__ import annotations

import re

from compiler.importers.copilot.fields import Fields
from compiler.importers.copilot.context import shown

_SECRET_REF = re.compile(r"^(arn:aws[a-z-]*:(secretsmanager|ssm):\S+|[A-Za-z0-9_.\-/]+)$")


class VariablesSection(Fields):
    """variables and secrets -> the same keys, for the main container and for each sidecar."""

    def variables(self, path: tuple, value, where: tuple) -> dict:
        out = {}
        if not isinstance(value, dict):
            self.bad(path, value, "a mapping of names to values", where)
            return out
        for name, v in value.items():
            if isinstance(v, dict):
                self.drop(path + (name,), "a variable from another stack's output (from_cfn) has no "
                          "equivalent; give the value itself", where)
                continue
            out[name] = "" if v is None else self.text(v)
        return out

    def secrets(self, path: tuple, value, where: tuple) -> dict:
        out = {}
        if not isinstance(value, dict):
            self.bad(path, value, "a mapping of names to secrets", where)
            return out
        for name, v in value.items():
            if isinstance(v, dict) and "secretsmanager" in v:
                ref = self.text(v["secretsmanager"])
                if ref.startswith("arn:"):
                    out[name] = ref
                else:
                    self.drop(path + (name, "secretsmanager"),
                              f"a Secrets Manager secret given by name ({shown(ref)}) needs its full ARN here "
                              "(arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX); add it under secrets",
                              where)
                continue
            if isinstance(v, dict):
                self.drop(path + (name,), "a secret from another stack's output (from_cfn) has no "
                          "equivalent; give the SSM parameter name or the secret's ARN", where)
                continue
            ref = self.text(v)
            if _SECRET_REF.match(ref):
                out[name] = ref
            else:
                self.bad(path + (name,), ref, "an SSM parameter name or a secret ARN", where)
        return out
