"""Pages of the certification app (namespace "certification"). Each area keeps its own list."""

from certification.urls_applications import urlpatterns as application_urls
from certification.urls_certificates import urlpatterns as certificate_urls
from certification.urls_impartiality import urlpatterns as impartiality_urls
from certification.urls_search import urlpatterns as search_urls

app_name = "certification"

urlpatterns = [*application_urls, *certificate_urls, *impartiality_urls, *search_urls]
