"""The spec's front end: load the YAML with positions, pick the environment, substitute
${VARIABLES}, validate against the JSON Schema, normalize into the model (compiler.model)."""
