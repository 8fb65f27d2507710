"""The daemon's own tables: what upstreams acknowledged, what we sent, what failed."""
