"""The one exception type users of vpc_patterns need to catch."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value the library cannot build a correct network from.

    Raised at construction time, before any CDK resource exists, so a bad input
    never leaves a half-built network behind. The message names the offending
    value (and, where it came from configuration, its key) and says what would
    be accepted.
    """
