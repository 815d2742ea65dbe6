"""Facts about AWS that the stages share: IAM action names, ELB security policies,
and where cfn-lint's bundled AWS data lives."""
