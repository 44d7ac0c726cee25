"""Documents: intake (API and inbound connectors), metadata and search."""
