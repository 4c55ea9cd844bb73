"""Defaults shared by the builder and the model catalogue, in a module that costs nothing to import."""

#: How long a fetched ``GET /models`` stays fresh, in seconds. OpenRouter's CDN caches it for 300 s;
#: new models appear rarely, so an hour keeps pre-flight checks free without going stale for long.
DEFAULT_CATALOG_TTL = 3600.0
