"""What a deployment remembers between compiles: the lock file, where each service is placed
(stack, logical-ID key, listener priority), subnet carving and the naming of resources."""
