from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.selectors import memberships_of


class MembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    organisation = serializers.IntegerField(source="organisation_id", allow_null=True)
    organisation_name = serializers.SerializerMethodField()
    jurisdiction = serializers.CharField(source="jurisdiction.code", default=None, allow_null=True)

    def get_organisation_name(self, membership) -> str | None:
        return membership.organisation.name if membership.organisation_id else None


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField()
    language = serializers.CharField(source="preferred_language")
    memberships = MembershipSerializer(many=True)


class MeView(APIView):
    """The current user: name, language and active memberships (organisation, role)."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        data = {
            "id": user.pk,
            "username": user.username,
            "get_full_name": user.get_full_name(),
            "email": user.email,
            "preferred_language": user.preferred_language,
            "memberships": memberships_of(user),
        }
        return Response(MeSerializer(data).data)
