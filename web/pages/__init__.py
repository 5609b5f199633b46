"""Page handlers, one module per kind of user."""
