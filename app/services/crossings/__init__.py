"""Documents crossing to peer hubs: residency rules, remote consumers, crossing records."""
