"""Stage: build. Exercise images for the docker backend, cached by the hash of their inputs."""
