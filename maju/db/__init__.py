"""The database layer: connections and transactions, dialects, table specs, schema sync."""
