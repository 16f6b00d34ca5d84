"""ipe: realist implementation and process evaluation of Multi-Agency Safeguarding Hubs."""

__version__ = "0.1.0"
