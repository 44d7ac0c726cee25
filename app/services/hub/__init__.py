"""The hub as a whole: the identity it was created with."""
