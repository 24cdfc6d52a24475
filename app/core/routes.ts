// routes come next
