"""The web plumbing every app shares: access decorators, middleware, health, CSV, mail."""
