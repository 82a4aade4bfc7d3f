"""The build pipeline: load the project, plan and render each shop (in worker processes),
and commit the bytes that changed to the output folder."""
