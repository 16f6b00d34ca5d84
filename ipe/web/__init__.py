"""The coding workbench (``ipe serve``): a thin web layer over the library.

Views in :mod:`ipe.web.views` gather data through library functions and render Jinja templates; every write goes
through :mod:`ipe.annotate` or :mod:`ipe.project`, in the store's transactions and into its audit log. Scripts and
styles are written for ipe and served from the package: nothing is fetched from anywhere else.
"""

from ipe.web.app import Settings, create_app

__all__ = ["Settings", "create_app"]
