"""The web layer: templates, errors, headers and health; domain pages live in their domains."""
