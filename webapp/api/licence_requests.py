"""Licence requests through the partner API: a partner sends its customers' requests and follows them."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from catalog import licensing
from catalog.models import LicenceRequest
from webapp.api.serializers import LicenceRequestSerializer
from webapp.api.views import PartnerRows


class LicenceRequestPages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class LicenceRequestViewSet(
    PartnerRows, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """A partner's own licence requests (staff see every one); created for published items only."""

    serializer_class = LicenceRequestSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = LicenceRequestPages
    queryset = LicenceRequest.objects.none()  # only tells the schema generator the type of {id}

    def get_queryset(self) -> QuerySet[LicenceRequest]:
        requests = LicenceRequest.objects.select_related("item", "requested_by")
        user = self.request.user
        return requests if user.is_staff else requests.filter(requested_by_id=user.pk)

    @extend_schema(responses={201: LicenceRequestSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        writer = self.get_serializer(data=request.data)
        writer.is_valid(raise_exception=True)
        data = dict(writer.validated_data)
        try:
            licence = licensing.create(data.pop("item_id"), user=request.user, requested_by=request.user, **data)
        except licensing.RequestRefused as exc:
            raise exceptions.ValidationError({exc.field or api_settings.NON_FIELD_ERRORS_KEY: [str(exc)]}) from None
        licence = self.get_queryset().get(pk=licence.pk)
        return Response(self.get_serializer(licence).data, status=status.HTTP_201_CREATED)
