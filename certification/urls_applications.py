"""Applications, decisions (pages)."""

urlpatterns: list = []
