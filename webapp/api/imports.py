"""Batch imports through the partner API: a partner posts a zip (and a metadata file) and gets 202 and the job's
address at once; the worker beside the site imports it (catalog.jobs), and the job's address shows its progress
and per-file report. Whoever may create items may import; a partner sees its own jobs, staff every one."""

from __future__ import annotations

from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import importer, jobs
from catalog.models import ImportJob
from webapp.api.views import PartnerRows


class ImportPermission(permissions.BasePermission):
    """Imports are private: reading and writing need what creating an item needs (the permission, or staff)."""

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return user.is_staff or user.has_perm("catalog.add_catalogimage")


class AlreadyEnded(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class ImportRequestSerializer(serializers.Serializer):
    archive = serializers.FileField(help_text="A zip of images (folders inside are fine).")
    metadata = serializers.FileField(required=False, help_text="CSV or JSON mapping file names to title, creator…")
    publish = serializers.BooleanField(required=False, default=False, help_text="Publish the imported images.")

    def validate_archive(self, archive):
        """Refused at once when it is no zip, or over the entry or size limits (nothing is inflated)."""
        try:
            importer.zip_sources(archive)
        except importer.ImportSourceError as exc:
            raise serializers.ValidationError(str(exc)) from None
        archive.seek(0)
        return archive

    def validate_metadata(self, metadata):
        try:
            importer.read_metadata(metadata.read(), metadata.name or "")
        except importer.ImportSourceError as exc:
            raise serializers.ValidationError(str(exc)) from None
        metadata.seek(0)
        return metadata


class ReportRowSerializer(serializers.Serializer):
    file = serializers.CharField()
    outcome = serializers.ChoiceField(choices=[importer.IMPORTED, importer.DUPLICATE, importer.PRESENT,
                                               importer.FAILED])  # fmt: skip
    item = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)


class ImportJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="This job's address: its progress and report.")

    class Meta:
        model = ImportJob
        fields = ["id", "url", "state", "done", "total", "summary", "publish", "created_at", "started_at",
                  "heartbeat_at", "finished_at"]  # fmt: skip
        read_only_fields = fields

    def get_url(self, job: ImportJob) -> str:
        return self.context["request"].build_absolute_uri(reverse("api:import-detail", args=[job.pk]))


class ImportJobDetailSerializer(ImportJobSerializer):
    report = ReportRowSerializer(many=True, help_text="One row per file settled so far.")

    class Meta(ImportJobSerializer.Meta):
        fields = [*ImportJobSerializer.Meta.fields, "report"]
        read_only_fields = fields


class ImportPages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ImportJobViewSet(PartnerRows, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A partner's batch imports (staff see every one)."""

    permission_classes = [ImportPermission]
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = ImportPages
    queryset = ImportJob.objects.none()  # only tells the schema generator the type of {id}

    def get_serializer_class(self):
        return ImportJobDetailSerializer if self.action == "retrieve" else ImportJobSerializer

    def get_queryset(self) -> QuerySet[ImportJob]:
        # Only one job's page shows its report: a list never loads them.
        own = ImportJob.objects.all() if self.action == "retrieve" else ImportJob.objects.defer("report")
        user = self.request.user
        return own if user.is_staff else own.filter(created_by_id=user.pk)

    def list(self, request: Request, *args, **kwargs) -> Response:
        jobs.recover_if_queued()  # a job whose worker died is queued again before it is shown as running
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        jobs.recover_if_queued()
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=ImportRequestSerializer, responses={202: ImportJobSerializer})
    def create(self, request: Request) -> Response:
        """Queue an import of a zip (with an optional metadata file); answers at once with the job's address."""
        checked = ImportRequestSerializer(data=request.data)
        checked.is_valid(raise_exception=True)
        data = checked.validated_data
        assert request.user.is_authenticated  # ImportPermission
        job = ImportJob(publish=data["publish"], created_by=request.user)
        try:
            with transaction.atomic():
                job.archive.save(data["archive"].name or "import.zip", data["archive"], save=False)
                if data.get("metadata") is not None:
                    job.metadata.save(data["metadata"].name or "metadata", data["metadata"], save=False)
                job.save()
                jobs.enqueue(job)  # in the same transaction: the job and its task are saved together or not at all
        except DatabaseError:
            job.delete_files()
            return Response({"detail": "The import could not be queued; nothing was kept. Try again."},
                            status=status.HTTP_503_SERVICE_UNAVAILABLE)  # fmt: skip
        body = ImportJobSerializer(job, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})

    @extend_schema(request=None, responses={200: ImportJobSerializer, 409: OpenApiResponse(description="Ended")})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a queued or running import; what it imported so far stays."""
        job = self.get_object()
        if not jobs.cancel(job, request.user.get_username()):
            raise AlreadyEnded(f"Import {job.pk} had already ended ({job.state}).")
        job.refresh_from_db()
        return Response(ImportJobSerializer(job, context={"request": request}).data)
