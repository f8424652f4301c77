"""API: summary figures for regulators and certification bodies."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.api.serializers import SummarySerializer
from certification.selectors import summary_figures


class SummaryView(APIView):
    """Applications per state, certificates per state and open findings per severity: of the
    enterprises in a regulator's provinces, and of the bodies where the user is an officer or
    a decision maker (both, for someone who is both)."""

    @extend_schema(responses={200: SummarySerializer})
    def get(self, request):
        figures = summary_figures(request.user)
        if figures is None:
            raise PermissionDenied(
                _("Only regulators and the staff of a certification body see these figures.")
            )
        return Response(SummarySerializer(figures).data)
