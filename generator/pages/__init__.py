"""What a shop's site is made of: the list of its files (plan), the views templates read,
themes, Markdown, money, words in the shop's language and share links.

Nothing here writes to disk: pages are planned and rendered to bytes, and ``build`` decides
what reaches the output folder.
"""
