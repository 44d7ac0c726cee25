"""Configuration data shipped with the package (the default purpose catalogue)."""
