"""All SQL of a node, one small module per concern. Nothing here opens a connection at import."""
