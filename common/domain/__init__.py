"""Pure domain logic: no SQL, no sockets, no Flask."""
