"""One module per ``simrs-bridge`` subcommand, each with a ``register`` function."""
