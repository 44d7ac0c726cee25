"""A Tradegate connector for the CargoX Platform API v3, shipped as its own distribution."""
