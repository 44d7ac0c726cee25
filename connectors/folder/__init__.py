"""Drop-folder connector: inbound pick-up with an atomic rename protocol, atomic outbound writes."""
