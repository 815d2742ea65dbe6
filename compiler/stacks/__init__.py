"""One module per nested template: model in, troposphere Template out, no I/O."""
