"""Connector plugins: the SPI, the registry and the built-in webhook and folder connectors."""
