"""The only package that imports SpiffWorkflow: parsing, expressions, running steps."""
