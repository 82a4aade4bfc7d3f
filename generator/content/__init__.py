"""Read and check what people write: the platform's catalog.yaml and each owner's content/<shop>/.

Loading ends in a checked, immutable :class:`~generator.content.model.Project`, or in a
ContentError listing every mistake as ``path:line:col: message``.
"""
