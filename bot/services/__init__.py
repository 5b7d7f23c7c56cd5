"""Use cases: each takes stores and a clock, decides, writes once, and returns what to say."""
