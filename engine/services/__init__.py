"""Application services shared by the web app, the API, the CLI and the scheduler (see README.md)."""
