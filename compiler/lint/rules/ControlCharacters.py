"""E9006: no control characters, U+FFFE/U+FFFF or lone surrogates in a template.

AWS APIs constrain free text to the XML character range (tab, line feed,
carriage return, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF; the pattern in
the API references of IAM, SSM, ECS and others), and the query/XML protocol
CloudFormation and EC2 speak cannot carry anything else. A lone surrogate is
not even encodable in UTF-8. DEL and the C1 controls (U+0080-U+009F) are inside
that range but XML 1.0 section 2.2 discourages them and they are invisible in
every console: text holding them is a mistake (often mis-decoded Windows-1252),
so they are refused too. cfn-lint checks none of this.
"""

from __future__ import annotations

import re
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


class ControlCharacters(CloudFormationLintRule):
    id = "E9006"
    shortdesc = "No control characters in template strings"
    description = (
        "Strings (keys and values) may not hold C0 controls other than tab, line feed and "
        "carriage return, DEL, C1 controls, U+FFFE, U+FFFF or unpaired surrogates"
    )
    source_url = "https://www.w3.org/TR/xml/#charsets"
    tags = ["template", "strings", "fargate-compile"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        found: list[RuleMatch] = []
        self._walk(cfn.template, [], found)
        return found

    def _walk(self, value: Any, path: list, found: list[RuleMatch]) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(key, str):
                    self._text(key, path + [key], "key", found)
                self._walk(inner, path + [key], found)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                self._walk(inner, path + [index], found)
        elif isinstance(value, str):
            self._text(value, path, "value", found)

    def _text(self, text: str, path: list, what: str, found: list[RuleMatch]) -> None:
        bad = FORBIDDEN.findall(text)
        if bad:
            first = FORBIDDEN.search(text)
            found.append(RuleMatch(path, (
                f"{what} has {len(bad)} forbidden character(s), the first U+{ord(bad[0]):04X} at "
                f"offset {first.start()}: AWS accepts only tab, line feed and carriage return "
                "among control characters"), rule=self))
