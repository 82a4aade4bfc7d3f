"""The checkout hook: a tiny HTTP service that checks every order against the catalog, stores it
durably and forwards it, signed, to central fulfilment."""
