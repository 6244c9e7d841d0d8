"""Rule packs and profiles: their typed specs, the YAML loader and validator, the rule kinds
(one parser and one evaluator per YAML ``kind``) and the data dictionary."""
