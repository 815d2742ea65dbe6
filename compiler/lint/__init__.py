"""The lint stage: cfn-lint with our rules (rules/), its worker pool and speed-ups, and the
caches of lint results and of whole builds."""
