"""Service functions behind the routes: one per route, each a start, update, signal or query."""
