"""HTTP layer: routers, request and response models, auth dependencies, error rendering."""
