"""Keys, secrets and tokens: the hub's identity and its clients'."""
