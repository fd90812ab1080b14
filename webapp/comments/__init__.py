"""Reader comments: the posting rules, the form and the fragments of the comment section."""
