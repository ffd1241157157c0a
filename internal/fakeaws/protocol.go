package fakeaws

// protocol is the wire protocol of a request. The errors any call can get
// before its action runs (bad or expired credentials, throttling) have
// different codes in each.
type protocol int

const (
	// queryProtocol is the query/XML protocol of IAM and STS.
	queryProtocol protocol = iota
	// jsonProtocol is the JSON 1.1 protocol of Organizations.
	jsonProtocol
	// restJSONProtocol is the REST-JSON protocol of Security Hub.
	restJSONProtocol
	// restXMLProtocol is the REST-XML protocol of S3.
	restXMLProtocol
)

// invalidToken is the error for an access key no account knows.
func (p protocol) invalidToken() *apiError {
	switch p {
	case jsonProtocol:
		return errorf(400, "UnrecognizedClientException", "The security token included in the request is invalid.")
	case restJSONProtocol:
		return errorf(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
	case restXMLProtocol:
		return errorf(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	}
	return errorf(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
}

// expiredToken is the error for temporary credentials past their
// expiration.
func (p protocol) expiredToken() *apiError {
	switch p {
	case jsonProtocol:
		return errorf(400, "ExpiredTokenException", "The security token included in the request is expired")
	case restJSONProtocol:
		return errorf(403, "ExpiredTokenException", "The security token included in the request is expired")
	case restXMLProtocol:
		return errorf(400, "ExpiredToken", "The provided token has expired.")
	}
	return errorf(403, "ExpiredToken", "The security token included in the request is expired")
}

// throttling is the error for a call above the request rate. Security Hub
// answers LimitExceededException (HTTP 429), which the SDK retries as a
// throttle.
func (p protocol) throttling() *apiError {
	switch p {
	case jsonProtocol:
		return errorf(400, "TooManyRequestsException", "Rate exceeded")
	case restJSONProtocol:
		return errorf(429, "LimitExceededException", "Rate exceeded")
	case restXMLProtocol:
		return errorf(503, "SlowDown", "Please reduce your request rate.")
	}
	return errorf(400, "Throttling", "Rate exceeded")
}

// throttling is the error for a call above the request rate in the
// request's service: its protocol's, but for SES, which answers
// TooManyRequestsException (HTTP 429) where Security Hub, on the same
// protocol, answers LimitExceededException.
func (req *request) throttling() *apiError {
	if req.service == "ses" {
		return errorf(429, "TooManyRequestsException", "Maximum sending rate exceeded.")
	}
	return req.proto.throttling()
}
