"""Pages of the certification app, one module per area."""

from certification.views.home import home

__all__ = ["home"]
