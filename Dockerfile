# syntax=docker/dockerfile:1
#
# iamsweep serve in a container: a static binary (no cgo: the SQLite driver
# is pure Go) on distroless static, as the nonroot user, with the state
# database on a volume. See docs/serve.md.
#
#   docker build -t iamsweep .
#   docker run --rm -p 8080:8080 -v iamsweep-state:/var/lib/iamsweep \
#     -v "$PWD/iamsweep.yaml:/etc/iamsweep/iamsweep.yaml:ro" \
#     -e IAMSWEEP_SERVE_DASHBOARD_TOKEN -e AWS_REGION iamsweep

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=""
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w ${VERSION:+-X github.com/iamsweep/iamsweep/internal/cli.version=${VERSION}}" \
      -o /out/iamsweep ./cmd/iamsweep \
 && mkdir -p /out/state

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/iamsweep /usr/local/bin/iamsweep
# The state database (scans, decisions, exceptions, backups, the journal,
# the link key): keep it on a volume, and back it up.
COPY --from=build --chown=65532:65532 /out/state /var/lib/iamsweep
VOLUME ["/var/lib/iamsweep"]
ENV IAMSWEEP_STATE=/var/lib/iamsweep/state.db \
    IAMSWEEP_CONFIG=/etc/iamsweep/iamsweep.yaml
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/iamsweep"]
# In a container the service listens on every interface of the container's
# own network namespace; publish the port only where it should be reached.
CMD ["serve", "--listen", ":8080"]
