"""Config files: strict YAML with line origins, overrides, the schema (from the constructors'
signatures and the registry), validation, and the docs generated from them."""
