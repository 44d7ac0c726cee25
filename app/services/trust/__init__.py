"""Trust in other parties' keys, and what it proves about the eBLs they signed."""
