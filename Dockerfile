# The MediaMesh services: `mediamesh serve discovery|search|all`, MEDIAMESH_WORKERS processes each.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app

# dependencies first, from the lock file, so code changes do not reinstall them
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY src ./src
RUN uv sync --frozen --no-dev

ENV PATH="/app/.venv/bin:$PATH"
# worker processes per container (`serve --workers`): one per core the container may use
ENV MEDIAMESH_WORKERS=2
USER nobody
EXPOSE 8080 8081 8082
CMD ["mediamesh", "serve", "all", "--host", "0.0.0.0"]
