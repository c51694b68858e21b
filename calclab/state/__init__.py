"""Each tab's inputs as a plain dataclass (no Qt): the GUI edits them, sessions save them, the CLI builds them."""
