"""What builds keep between runs under the project's cache folder, and the one way each is
written (atomically, tagged with the code that wrote it)."""
