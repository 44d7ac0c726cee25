"""Duplicate-financing guard: lenders register financing and learn of double financing."""
