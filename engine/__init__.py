"""The process engine: SpiffWorkflow behind a small API, the script sandbox and the application services."""
