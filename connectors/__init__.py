"""Connector plugins: the SPI and the built-in connectors."""
