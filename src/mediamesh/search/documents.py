"""Search documents: the guide's item fields, as the indexing API accepts them."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mediamesh.content import ContentId, ContentType, ShortText, Text

MAX_BATCH_DOCUMENTS = 500


class SearchDocumentFields(BaseModel):
    """The body of PUT /v1/search/index/{contentId}; `indexedAt` and `ttl` are ours to set."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    contentType: ContentType
    title: Annotated[Text, Field(min_length=1, max_length=500)]
    description: Annotated[Text, Field(max_length=20_000)] = ""
    category: ShortText | None = None
    language: Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")] | None = None
    tags: Annotated[list[ShortText], Field(max_length=50)] = []
    # the writer's clock, with a zone (a naive time would be read in the server's zone);
    # default: when the service received it
    updatedAt: AwareDatetime | None = None


class SearchDocument(SearchDocumentFields):
    contentId: ContentId
