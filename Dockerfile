FROM python:3.11-slim

# WeasyPrint (award letters) renders with Pango and subsets fonts with HarfBuzz-Subset (much
# faster than its fontTools fallback). The letter font comes from PyPI (font-source-sans-pro),
# so no system font package is needed; `fundadmin serve` checks both at start.
RUN apt-get update \
    && apt-get install --no-install-recommends -y \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 fundadmin
WORKDIR /app
COPY pyproject.toml README.md ./
COPY fundadmin ./fundadmin
COPY ledger ./ledger
COPY claims ./claims
COPY policies ./policies
COPY migrations ./migrations
RUN pip install --no-cache-dir -e .

USER fundadmin
ENV FUNDADMIN_DATA_DIR=/home/fundadmin/data
EXPOSE 8000
CMD ["fundadmin", "serve", "--host", "0.0.0.0", "--port", "8000"]
