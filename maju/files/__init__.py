"""Files (SPEC F): uploads streamed to disk, File records, public and private serving."""
