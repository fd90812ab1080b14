"""What readers browse: the front page, articles and authors."""
