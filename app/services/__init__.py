"""Use cases combining domain logic, storage and tasks; they never commit."""
