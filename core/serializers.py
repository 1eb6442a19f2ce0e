"""Bases of the API serializers every app declares."""

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# Hyperlinks are named `api_url`: artifacts and licences have a `url` field of their own.
API_URL = "api_url"


@extend_schema_field(
    {"oneOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}]}
)
class OptionalURLField(serializers.CharField):
    """A link that may be absent (the empty string): the schema says so, so clients validating
    against it accept the blank value the database holds."""


class RefuseUnknownFieldsMixin:
    """Input serializers refuse fields they do not know (or that are read-only) with a 400 that
    names them, instead of dropping them silently: a typo such as `occured_on` must not lose the
    date, and a client sending `status` must learn that it cannot set it."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in writable)
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [f"Unknown field {name!r}: it is not one this endpoint accepts."]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class ReadSerializer(serializers.ModelSerializer):
    """Base of the output serializers: blank links and blank choices are documented as possible.

    DRF drops `allow_blank` from read-only fields, so the schema would promise a value from the
    choices (or a URI) where the database may hold ""; these put the truth back.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.URLField: OptionalURLField,
    }

    def get_fields(self):
        fields = super().get_fields()
        model_fields = {f.name: f for f in self.Meta.model._meta.concrete_fields}
        for name, field in fields.items():
            model_field = model_fields.get(field.source or name)  # source is set on binding
            if isinstance(field, serializers.ChoiceField) and model_field and model_field.blank:
                field.allow_blank = True
        return fields
