package awsapi

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// rawBodyKey is the result-metadata key under which gaadDeserializer leaves
// the raw response body of a successful call.
type rawBodyKey struct{}

// withFastGAAD replaces the SDK's success-path decoding of
// GetAccountAuthorizationDetails with gaadDeserializer. Signing, endpoint
// resolution, retries and the decoding of error responses stay the SDK's.
func withFastGAAD(o *iam.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		fast := &gaadDeserializer{}
		old, err := stack.Deserialize.Swap("OperationDeserializer", fast)
		if err != nil {
			return fmt.Errorf("install GetAccountAuthorizationDetails decoder: %w", err)
		}
		fast.sdk = old
		return nil
	})
}

// gaadDeserializer decodes a successful GetAccountAuthorizationDetails
// response. The SDK's generated deserializer walks the XML with
// encoding/xml, which takes longer to decode a 1,000-role page (about
// 45 ms on two cores) than IAM takes to send the next one, and the pages of
// this call cannot be fetched in parallel. So the call only reads the
// pagination fields (a scan of the body with xmlScanner) and hands the raw
// body back in the result metadata; Client.Roles decodes the roles on
// another goroutine while the next page is in flight.
//
// Responses other than 2xx go to the SDK's own deserializer, so errors,
// throttling and retries behave exactly as for any SDK call.
type gaadDeserializer struct {
	sdk middleware.DeserializeMiddleware
}

func (*gaadDeserializer) ID() string { return "OperationDeserializer" }

func (m *gaadDeserializer) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	out middleware.DeserializeOutput, md middleware.Metadata, err error,
) {
	out, md, err = next.HandleDeserialize(ctx, in)
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if err != nil || !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return m.sdk.HandleDeserialize(ctx, in, replay{out: out, md: md, err: err})
	}
	defer resp.Body.Close()
	buf := bytes.NewBuffer(getBody(int(max(resp.ContentLength, 0)) + bytes.MinRead))
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return out, md, &smithy.DeserializationError{Err: fmt.Errorf("read response body: %w", err)}
	}
	body := buf.Bytes()
	page, err := gaadPagination(body)
	if err != nil {
		return out, md, &smithy.DeserializationError{Err: fmt.Errorf("decode response body: %w", err), Snapshot: body[:min(len(body), 1024)]}
	}
	result := &iam.GetAccountAuthorizationDetailsOutput{IsTruncated: page.truncated}
	if page.marker != "" {
		result.Marker = aws.String(page.marker)
	}
	out.Result = result
	md.Set(rawBodyKey{}, body)
	return out, md, nil
}

// replay is a DeserializeHandler that returns a response already received.
type replay struct {
	out middleware.DeserializeOutput
	md  middleware.Metadata
	err error
}

func (r replay) HandleDeserialize(context.Context, middleware.DeserializeInput) (middleware.DeserializeOutput, middleware.Metadata, error) {
	return r.out, r.md, r.err
}

// bodies recycles response buffers. A page is about a megabyte; allocating
// one per call makes the goroutine that reads the next page pay for garbage
// collection (an allocation that large during a GC cycle must assist the
// marking in proportion to its size), which delays every call.
var bodies sync.Pool

func getBody(size int) []byte {
	if p, ok := bodies.Get().(*[]byte); ok && cap(*p) >= size {
		return (*p)[:0]
	}
	return make([]byte, 0, size)
}

// putBody returns a buffer from getBody once nothing refers to its bytes.
func putBody(b []byte) {
	b = b[:0]
	bodies.Put(&b)
}
