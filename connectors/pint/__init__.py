"""The ``pint`` connector: sends eBL envelopes to another DCSA PINT 3.0.0 platform."""
