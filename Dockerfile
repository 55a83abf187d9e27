# scimsql: a static binary in a small non-root image.
#
#   docker build -t scimsql --build-arg VERSION=$(git describe --always) .
#   docker run -p 8080:8080 -e SCIMSQL_PASSWORD=change-me scimsql          # the quickstart
#   docker run -p 8443:8443 -v $PWD/tls:/tls:ro -e SCIMSQL_PASSWORD=change-me \
#     -e SCIMSQL_HEALTH_URL=https://127.0.0.1:8443 scimsql serve -mapping /examples/docker/mapping.yaml
#   docker run -p 8443:8443 -v $PWD/app:/app ... scimsql serve -mapping /app/mapping.yaml   # your own
#
# A mapping served from a container must listen on 0.0.0.0 (examples/docker does, with
# TLS from /tls); the other examples listen on 127.0.0.1, which -listen 0.0.0.0:PORT
# overrides. The health check is scimsql's own (the image has no shell and no curl).
#
# Every driver scimsql uses is pure Go, so CGO is off and the binary needs no libc.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/scimsql ./cmd/scimsql \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/scimsql /scimsql
COPY --from=build /src/examples /examples
# The quickstart's SQLite file lives in a volume the non-root user owns.
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME /data
USER 65532:65532
EXPOSE 8080 8443
# /-/healthy of the quickstart on 8080; set SCIMSQL_HEALTH_URL for another address (an
# https:// one on 127.0.0.1 accepts the self-signed or private certificate it serves).
ENV SCIMSQL_HEALTH_URL=http://127.0.0.1:8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/scimsql", "health"]
ENTRYPOINT ["/scimsql"]
CMD ["serve", "-mapping", "/examples/quickstart/mapping.yaml", "-listen", "0.0.0.0:8080", "-dsn", "/data/quickstart.db"]
