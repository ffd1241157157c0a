package awsapi

import (
	"bytes"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// ownBodies wraps the HTTP client of cfg (the SDK's default when it has
// none) so that each request goes out with a body of its own (see
// ownedBodies).
func ownBodies(cfg *aws.Config) {
	next := cfg.HTTPClient
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	if _, done := next.(ownedBodies); !done {
		cfg.HTTPClient = ownedBodies{next: next}
	}
}

// ownedBodies is an HTTP client that hands net/http a copy of each request
// body that nothing else closes. smithy-go (v1.28.8) closes a request's
// body as soon as the response headers arrive, and its closed body
// answers net/http's last read of it (the check for bytes beyond the
// Content-Length) with io.EOF from WriteTo, which net/http takes as a
// failed write: it closes the connection while the response is still
// being read ("use of closed network connection"). Against AWS the
// response takes a round trip and the race is practically never lost;
// against an endpoint on the same machine (moto, LocalStack,
// cmd/fakeaws) it was lost on 431 of 1,500 calls, each then retried by
// the SDK: noise in the logs, a duplicate call in the endpoint, and for a
// call that is not idempotent (CreateRole) a wrong answer the second
// time. Request bodies are small (the query protocol's forms, JSON
// documents), so the copy costs nothing that counts.
type ownedBodies struct{ next aws.HTTPClient }

func (o ownedBodies) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return o.next.Do(req)
	}
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close() // a client closes the body, also on errors
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
	return o.next.Do(r)
}
