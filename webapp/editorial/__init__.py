"""The editorial area under /verwaltung/: accounts, articles, authors, moderation."""
