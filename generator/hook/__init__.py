"""The checkout hook: a tiny HTTP service that checks every order against the catalog, stores it
durably and forwards it, signed, to central fulfilment."""

# Share-link clicks the hook stores per client address per UTC day (docs/checkout.md, "Safety"):
# here, not in app.py, so the command line names the default without loading the server.
CLICKS_PER_DAY = 500

# Open connections and running requests past which the server answers 503 at once (hook/server.py).
MAX_CONNECTIONS = 1000
