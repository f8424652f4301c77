from django.urls import path

from certification.views.search import search

urlpatterns = [path("search/", search, name="search")]
