"""DocType meaning: field types, metadata, the registry, documents, naming, permissions."""
