package awsapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/iamsweep/iamsweep"
)

var domainErrors = []error{iamsweep.ErrAccessDenied, iamsweep.ErrNotFound, iamsweep.ErrDeleteConflict, iamsweep.ErrThrottled, iamsweep.ErrNoCredentials}

// sdkError wraps an API error the way the SDK returns it from an operation.
func sdkError(apiErr error) error {
	return &smithy.OperationError{
		ServiceID:     "IAM",
		OperationName: "GetAccountAuthorizationDetails",
		Err: &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 400}}, Err: apiErr},
			RequestID:     "req-1",
		},
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		code string
		want error // nil: left unchanged
	}{
		{"AccessDenied", iamsweep.ErrAccessDenied},
		{"AccessDeniedException", iamsweep.ErrAccessDenied},
		{"UnauthorizedOperation", iamsweep.ErrAccessDenied},
		{"UnauthorizedAccess", iamsweep.ErrAccessDenied},
		{"AuthorizationError", iamsweep.ErrAccessDenied},
		{"NoSuchEntity", iamsweep.ErrNotFound},
		{"NoSuchEntityException", iamsweep.ErrNotFound},
		{"ResourceNotFoundException", iamsweep.ErrNotFound},
		{"NotFound", iamsweep.ErrNotFound},
		{"NotFoundException", iamsweep.ErrNotFound},
		{"DeleteConflict", iamsweep.ErrDeleteConflict},
		{"DeleteConflictException", iamsweep.ErrDeleteConflict},
		{"Throttling", iamsweep.ErrThrottled},
		{"ThrottlingException", iamsweep.ErrThrottled},
		{"TooManyRequestsException", iamsweep.ErrThrottled},
		{"RequestLimitExceeded", iamsweep.ErrThrottled},
		{"Throttled", iamsweep.ErrThrottled},
		{"LimitExceededException", iamsweep.ErrThrottled},
		{"InvalidClientTokenId", iamsweep.ErrNoCredentials},
		{"SignatureDoesNotMatch", iamsweep.ErrNoCredentials},
		{"ExpiredToken", iamsweep.ErrNoCredentials},
		{"ExpiredTokenException", iamsweep.ErrNoCredentials},
		{"UnrecognizedClientException", iamsweep.ErrNoCredentials},
		{"InvalidAccessKeyId", iamsweep.ErrNoCredentials},
		{"MissingAuthenticationToken", iamsweep.ErrNoCredentials},
		{"IncompleteSignature", iamsweep.ErrNoCredentials},
		// IAM's quota error is not throttling: retrying does not help.
		{"LimitExceeded", nil},
		{"ServiceFailure", nil},
		{"MessageRejected", nil},
		{"InvalidParameter", nil},
		{"ValidationError", nil},
		{"InvalidAction", nil},
		{"", nil},
	}
	for _, tt := range tests {
		name := tt.code
		if name == "" {
			name = "empty code"
		}
		t.Run(name, func(t *testing.T) {
			apiErr := &smithy.GenericAPIError{Code: tt.code, Message: "the message", Fault: smithy.FaultClient}
			for _, in := range []struct {
				how string
				err error
			}{
				{"bare", apiErr},
				{"as the SDK returns it", sdkError(apiErr)},
				{"wrapped by the caller", fmt.Errorf("list roles: %w", sdkError(apiErr))},
			} {
				got := classify(in.err)
				// One concise line: the call, the code and AWS's message.
				want := "the message"
				if tt.code != "" {
					want = tt.code + ": the message"
				}
				if in.how != "bare" {
					if tt.code == "" {
						// Without a code, the HTTP status says what AWS answered.
						want = "(HTTP 400): " + want
					}
					want = "IAM GetAccountAuthorizationDetails: " + want
				}
				if !strings.HasSuffix(got.Error(), want) {
					t.Errorf("%s: message %q, want it to end %q", in.how, got, want)
				}
				// The code is reachable without the SDK, for reports.
				if code := iamsweep.ErrorCode(got); code != tt.code {
					t.Errorf("%s: iamsweep.ErrorCode = %q, want %q", in.how, code, tt.code)
				}
				for _, d := range domainErrors {
					if errors.Is(got, d) != (d == tt.want) {
						t.Errorf("%s: errors.Is(classify(err), %v) = %v", in.how, d, d != tt.want)
					}
				}
				// The AWS error stays reachable, and so does its message.
				var back smithy.APIError
				if !errors.As(got, &back) || back.ErrorCode() != tt.code {
					t.Errorf("%s: the API error with code %q is no longer reachable from %v", in.how, tt.code, got)
				}
				if !strings.Contains(got.Error(), "the message") {
					t.Errorf("%s: %q lost the AWS message", in.how, got)
				}
				// errors.Is still works once the caller wraps the result.
				if tt.want != nil && !errors.Is(fmt.Errorf("scan account: %w", got), tt.want) {
					t.Errorf("%s: errors.Is fails through a further wrap", in.how)
				}
			}
		})
	}
}

func TestClassify_ModelledErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"NoSuchEntityException", &iamtypes.NoSuchEntityException{Message: new("role x")}, iamsweep.ErrNotFound},
		{"DeleteConflictException", &iamtypes.DeleteConflictException{Message: new("has policies")}, iamsweep.ErrDeleteConflict},
		{"ServiceFailureException", &iamtypes.ServiceFailureException{Message: new("oops")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(sdkError(tt.err))
			for _, d := range domainErrors {
				if errors.Is(got, d) != (d == tt.want) {
					t.Errorf("errors.Is(classify(%v), %v) = %v", tt.err, d, d != tt.want)
				}
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("the modelled error is no longer reachable from %v", got)
			}
		})
	}
}

func TestClassify_NonAPIErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"nil", nil},
		{"plain error", errors.New("boom")},
		{"context canceled", fmt.Errorf("operation error IAM: %w", context.Canceled)},
		{"deadline", context.DeadlineExceeded},
		{"request send error", &smithyhttp.RequestSendError{Err: errors.New("dial tcp: connection refused")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.err); got != tt.err {
				t.Errorf("classify(%v) = %v, want it unchanged", tt.err, got)
			}
		})
	}
}

// TestClassify_Twice checks that an error classified once, and wrapped
// with context, is not classified again (which would nest an APIError in
// another and repeat the code in the message).
func TestClassify_Twice(t *testing.T) {
	once := fmt.Errorf("deletion task t-1: %w", classify(sdkError(&smithy.GenericAPIError{Code: "NoSuchEntity", Message: "gone"})))
	twice := classify(once)
	if twice != once {
		t.Errorf("classify(classified) = %v, want it unchanged (%v)", twice, once)
	}
	if !errors.Is(twice, iamsweep.ErrNotFound) || iamsweep.ErrorCode(twice) != "NoSuchEntity" || strings.Count(twice.Error(), "NoSuchEntity") != 1 {
		t.Errorf("classify(classified) = %v (code %q)", twice, iamsweep.ErrorCode(twice))
	}
}
