from django.urls import path, re_path

from guide import views

app_name = "guide"

urlpatterns = [
    path("", views.index, name="index"),
    re_path(r"^screenshots/(?P<name>[a-z0-9-]+\.png)$", views.screenshot, name="screenshot"),
    path("<slug:slug>/", views.page_view, name="page"),
]
