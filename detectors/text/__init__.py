"""Reading a message's text: normalisation with a map back to the original, term matching, linear-time regexes,
tokens, prices (also written in words), contact handles and links, quoted offers."""
