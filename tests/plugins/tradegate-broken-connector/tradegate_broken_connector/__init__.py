"""A plugin whose import fails, as a half-installed or incompatible package would."""

raise ImportError("tradegate_broken_connector needs a dependency that is not installed")
