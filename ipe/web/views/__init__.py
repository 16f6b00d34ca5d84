"""One module per page of the workbench; each gathers data through the library and renders a template."""
