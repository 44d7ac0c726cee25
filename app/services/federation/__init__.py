"""Federation between hubs: peering, hub-to-hub calls and the use cases built on them."""
