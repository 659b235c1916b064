"""API-only request and response shapes (shared contracts live in `domain.contracts`)."""
